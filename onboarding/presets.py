"""The columns of each kind of file and the headers SIMS, Arbor and Bromcom exports use for
them. A file from anywhere else (or an export whose headers were renamed) goes through the
mapping step, and that mapping is remembered per organisation (``ColumnMapping``)."""

from .choices import ImportKind, Preset
from .parsing import normalise_header

# field -> (label, required)
FIELDS = {
    ImportKind.PUPILS: {
        "mis_id": ("MIS id (admission number)", True),
        "upn": ("UPN", False),
        "uln": ("ULN", False),
        "legal_forename": ("Legal forename", True),
        "legal_surname": ("Legal surname", True),
        "preferred_forename": ("Preferred forename", False),
        "preferred_surname": ("Preferred surname", False),
        "date_of_birth": ("Date of birth", False),
        "year_group": ("Year group", True),
        "tutor_group": ("Tutor group (form)", False),
        "sen_status": ("SEN status (K or E)", False),
        "email": ("Email address", False),
    },
    ImportKind.STAFF: {
        "mis_id": ("MIS id (staff code)", True),
        "forename": ("Forename", True),
        "surname": ("Surname", True),
        "email": ("Email address", True),
        "roles": ("Roles", False),
        "tutor_group": ("Tutor group they tutor", False),
    },
    ImportKind.GROUPS: {
        "code": ("Tutor group (form)", True),
        "tutor_mis_id": ("Tutor's MIS id (staff code)", False),
        "tutor_email": ("Tutor's email address", False),
        "year_group": ("Year group", False),
    },
    ImportKind.PARENTS: {
        "mis_id": ("MIS id (contact id)", True),
        "forename": ("Forename", True),
        "surname": ("Surname", True),
        "email": ("Email address", True),
        "relationship": ("Relationship", False),
        "pupils": ("Pupils (MIS ids or UPNs)", True),
    },
}

PRESETS = {
    Preset.SIMS: {
        ImportKind.PUPILS: {
            "mis_id": "Adno", "upn": "UPN", "uln": "ULN", "legal_forename": "Legal Forename",
            "legal_surname": "Legal Surname", "preferred_forename": "Preferred Forename",
            "preferred_surname": "Preferred Surname", "date_of_birth": "DOB", "year_group": "Year",
            "tutor_group": "Reg", "sen_status": "SEN Status", "email": "Email",
        },
        ImportKind.STAFF: {
            "mis_id": "Staff Code", "forename": "Legal Forename", "surname": "Legal Surname",
            "email": "Work Email", "roles": "Roles", "tutor_group": "Tutor Group",
        },
        ImportKind.GROUPS: {
            "code": "Reg Group", "tutor_mis_id": "Tutor Staff Code", "tutor_email": "Tutor Email",
            "year_group": "Year",
        },
        ImportKind.PARENTS: {
            "mis_id": ("Contact ID", "Person ID"), "forename": ("Contact Forename", "Forename"),
            "surname": ("Contact Surname", "Surname"), "email": ("Contact Email", "Home Email", "Email"),
            "relationship": ("Relationship", "Relationship to Student"), "pupils": ("Adno", "Admission Number"),
        },
    },
    Preset.ARBOR: {
        ImportKind.PUPILS: {
            "mis_id": "Arbor Student ID", "upn": "UPN", "uln": "ULN", "legal_forename": "Legal first name",
            "legal_surname": "Legal last name", "preferred_forename": "Preferred first name",
            "preferred_surname": "Preferred last name", "date_of_birth": "Date of birth",
            "year_group": "Year group", "tutor_group": "Registration form", "sen_status": "SEN status",
            "email": "Email address",
        },
        ImportKind.STAFF: {
            "mis_id": "Arbor Staff ID", "forename": "First name", "surname": "Last name",
            "email": "Work email address", "roles": "Roles", "tutor_group": "Registration form",
        },
        ImportKind.GROUPS: {
            "code": "Registration form", "tutor_mis_id": "Form tutor staff ID",
            "tutor_email": "Form tutor email address", "year_group": "Year group",
        },
        ImportKind.PARENTS: {
            "mis_id": "Guardian ID", "forename": "Guardian first name", "surname": "Guardian last name",
            "email": "Guardian email address", "relationship": "Relationship", "pupils": "Arbor Student ID",
        },
    },
    Preset.BROMCOM: {
        ImportKind.PUPILS: {
            "mis_id": "Admission No", "upn": "UPN", "uln": "ULN", "legal_forename": "Legal Forename",
            "legal_surname": "Legal Surname", "preferred_forename": "Forename",
            "preferred_surname": "Surname", "date_of_birth": "Date Of Birth", "year_group": "NC Year",
            "tutor_group": "Tutor Group", "sen_status": "SEN Need", "email": "Email",
        },
        ImportKind.STAFF: {
            "mis_id": "Staff ID", "forename": "Forename", "surname": "Surname", "email": "Email",
            "roles": "Roles", "tutor_group": "Tutor Group",
        },
        ImportKind.GROUPS: {
            "code": "Tutor Group", "tutor_mis_id": "Tutor Staff ID", "tutor_email": "Tutor Email",
            "year_group": "NC Year",
        },
        ImportKind.PARENTS: {
            "mis_id": ("Contact ID", "Person ID"), "forename": ("Contact Forename", "Firstname", "Forename"),
            "surname": ("Contact Surname", "Lastname", "Surname"), "email": ("Contact Email", "Email"),
            "relationship": "Relationship", "pupils": ("Admission No", "Admission Number", "Student ID"),
        },
    },
}


def mapping_resolve(*, kind: str, header: list[str], wanted: dict[str, str | tuple]) -> dict[str, int]:
    """Field -> column index for the fields of ``wanted`` (field -> header text, or a tuple of
    the header texts exports use for it, first found wins) found in ``header`` (compared
    without case, spacing or punctuation)."""
    index = {normalise_header(h): i for i, h in enumerate(header) if h}
    found = {}
    for field, names in wanted.items():
        if field not in FIELDS[kind] or not names:
            continue
        for name in (names,) if isinstance(names, str) else names:
            if name and normalise_header(name) in index:
                found[field] = index[normalise_header(name)]
                break
    return found


def missing_required(*, kind: str, columns: dict[str, int]) -> list[str]:
    return [field for field, (_label, required) in FIELDS[kind].items() if required and field not in columns]
