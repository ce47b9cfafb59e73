import datetime

import pytest

from onboarding.parsing import FileProblem, csv_read, parse_date


def test_bom_is_not_part_of_the_first_header():
    header, rows = csv_read("\ufeffAdno,UPN\r\n1,A1\r\n".encode())
    assert header == ["Adno", "UPN"]
    assert rows == [["1", "A1"]]


def test_semicolon_separated_file_from_excel_in_a_continental_locale():
    header, rows = csv_read(b"Adno;Legal Surname;DOB\r\n1;Smith;03/09/2012\r\n")
    assert header == ["Adno", "Legal Surname", "DOB"]
    assert rows == [["1", "Smith", "03/09/2012"]]


def test_trailing_blanks_are_trimmed_in_headers_and_cells():
    header, rows = csv_read(b"Adno ,  UPN  \n 1 ,A123  \n")
    assert header == ["Adno", "UPN"]
    assert rows == [["1", "A123"]]


def test_quoted_newline_stays_in_its_cell_and_keeps_the_row_count():
    header, rows = csv_read(b'Adno,Note\n1,"two\nlines"\n2,x\n')
    assert rows == [["1", "two\nlines"], ["2", "x"]]


def test_windows_1252_file_is_read():
    header, rows = csv_read("Adno,Name\n1,Zo\u00eb\n".encode("cp1252"))
    assert rows == [["1", "Zo\u00eb"]]


def test_blank_rows_at_the_end_are_dropped():
    _header, rows = csv_read(b"Adno\n1\n\n,\n")
    assert rows == [["1"]]


@pytest.mark.parametrize("data, message", [
    (b"", "empty"), (b"Adno\n", "no data rows"), (b"\x00\x01PK", "not a CSV"),
])
def test_unreadable_files_say_what_to_do(data, message):
    with pytest.raises(FileProblem, match=message):
        csv_read(data)


@pytest.mark.parametrize("text", ["03/09/2012", "2012-09-03", "03-09-2012", "3 Sep 2012", "03/09/2012 00:00"])
def test_dates_day_first_and_iso(text):
    assert parse_date(text) == datetime.date(2012, 9, 3)


def test_impossible_date_is_refused():
    with pytest.raises(ValueError):
        parse_date("31/02/2012")
