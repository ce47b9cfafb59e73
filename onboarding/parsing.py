"""Reading a CSV export the way schools' files actually arrive from Excel and the MIS: a byte
order mark, ``;`` or tab separators (Excel in some locales), Windows-1252 instead of UTF-8,
dates as 03/09/2012 or 2012-09-03, trailing blanks in cells and headers, quoted newlines inside
a cell, blank lines at the end."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re

MAX_ROWS = 20_000
MAX_CELL = 500


class FileProblem(ValueError):
    """The file cannot be read at all (the message says what to do)."""


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise FileProblem("The file is not a CSV file. In Excel, use File > Save As > CSV UTF-8.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem("The file's characters could not be read. Save it as CSV UTF-8.")


def _dialect(text: str):
    sample = text[:8192]
    first_line = sample.split("\n", 1)[0]
    # The header line decides: Excel in continental locales writes ';', some exports use tabs.
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    delimiter = max(counts, key=counts.get)
    if counts[delimiter] == 0:
        delimiter = ","
    return delimiter


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def csv_read(data: bytes) -> tuple[list[str], list[list[str]]]:
    """The header (trimmed) and the data rows (cells trimmed, blank rows dropped) of a CSV file.
    Each data row keeps its position: ``rows[i]`` is line ``i + 2`` of the file as a person
    counts rows in Excel (header = row 1), whatever quoted newlines it spans."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text))
    try:
        header = next(reader)
    except StopIteration:
        raise FileProblem("The file is empty.") from None
    except csv.Error as error:
        raise FileProblem(f"The file is not a readable CSV file ({error}).") from None
    header = [h.strip().strip("\ufeff") for h in header]
    if not any(header):
        raise FileProblem("The first row of the file must name the columns.")
    rows = []
    try:
        for cells in reader:
            if len(rows) >= MAX_ROWS:
                raise FileProblem(f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files.")
            # Keep blank rows' places (row numbers must match Excel's) but mark them to skip.
            rows.append([c.strip()[:MAX_CELL] for c in cells])
    except csv.Error as error:
        raise FileProblem(f"Row {len(rows) + 2} could not be read ({error}).") from None
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise FileProblem("The file has a header row but no data rows.")
    return header, rows


def normalise_header(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%Y/%m/%d",
                 "%d %b %Y", "%d %B %Y")


def parse_date(value: str) -> datetime.date:
    """03/09/2012 (UK day first), 2012-09-03 (ISO), 03-09-2012, 3 Sep 2012; an Excel export's
    time part ("03/09/2012 00:00") is ignored. Raises ValueError."""
    value = value.strip()
    value = re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2})?$", "", value)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)
