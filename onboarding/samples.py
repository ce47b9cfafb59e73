"""Made-up SIMS-style exports for the benchmark, the demo and the tests: deterministic, with
Excel's habits (BOM, CRLF line ends, dd/mm/yyyy dates, trailing blanks)."""

import csv
import datetime
import io

FORENAMES = ["Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Leo", "Ivy", "Arthur",
             "Freya", "Muhammad", "Grace", "Harry", "Zara", "Jack", "Sofia", "Theo", "Lily", "Oscar"]
SURNAMES = ["Smith", "Jones", "Patel", "Brown", "Taylor", "Khan", "Wilson", "Evans", "Thomas", "Ahmed",
            "Roberts", "Walker", "Wright", "Hughes", "Green", "Hall", "Wood", "Clarke", "Lewis", "Young"]
PUPIL_HEADER = ["Adno", "UPN", "ULN", "Legal Surname", "Legal Forename", "Preferred Surname",
                "Preferred Forename", "DOB", "Year", "Reg", "SEN Status", "Email"]
STAFF_HEADER = ["Staff Code", "Legal Forename", "Legal Surname", "Work Email", "Roles", "Tutor Group"]
FORMS = "ABCDEFGHJK"


def upn(n: int) -> str:
    return f"A{820000000000 + n:012d}"


def pupil_rows(count: int, *, years=(7, 8, 9, 10, 11), forms: int = 2):
    """``count`` pupils spread over ``years`` and ``forms`` tutor groups per year (7A, 7B…)."""
    rows = []
    for n in range(count):
        year = years[n % len(years)]
        group = f"{year}{FORMS[(n // len(years)) % forms]}"
        born = datetime.date(2026 - 5 - year, 9, 1) + datetime.timedelta(days=(n * 7) % 360)
        rows.append([f"{1000 + n}", upn(n), "", SURNAMES[n % 20] + f"{n // 400 or ''}", FORENAMES[(n // 20) % 20],
                     "", "", born.strftime("%d/%m/%Y"), f"Year {year}", group,
                     "K" if n % 17 == 0 else "", ""])
    return rows


def staff_rows(groups: list[str]):
    rows = []
    for n, group in enumerate(groups):
        roles = "Tutor; Careers lead" if n == 0 else "Tutor"
        rows.append([f"T{n:03d}", FORENAMES[n % 20], f"{SURNAMES[(n * 3) % 20]}-Tutor", f"tutor{n}@school.example",
                     roles, group])
    return rows


def to_csv(header, rows, *, delimiter=",", bom=True) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([f"{cell} " if i == 4 else cell for i, cell in enumerate(row)])  # trailing blanks
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def forms_of(rows) -> list[str]:
    return sorted({r[9] for r in rows if r[9]})


GROUP_HEADER = ["Reg Group", "Tutor Staff Code", "Tutor Email", "Year"]
PARENT_HEADER = ["Contact ID", "Contact Forename", "Contact Surname", "Contact Email", "Relationship", "Adno"]


def group_rows(groups: list[str]):
    """The tutor groups file matching ``staff_rows(groups)``: group n is tutored by T<n>."""
    return [[group, f"T{n:03d}", "", f"Year {''.join(c for c in group if c.isdigit())}"]
            for n, group in enumerate(groups)]


def parent_rows(pupils):
    """One parent per pupil row of ``pupil_rows`` (the pupil's admission number), siblings
    aside."""
    return [[f"C{n:04d}", "Sam", f"{row[3]}-Parent", f"parent{n}@home.example", "Mother" if n % 2 else "Father",
             row[0]] for n, row in enumerate(pupils)]
