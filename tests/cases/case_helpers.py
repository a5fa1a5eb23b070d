"""Builders shared by the case tests."""

from __future__ import annotations

from datetime import date

from casework.cases import CaseService
from casework.privacy import Principal, Role

ADMIN = Principal(user_id=0, username="system-test", role=Role.SUPERVISOR, office=None)
CREDITOR = {"case_number": "125/2026/TLTHA", "id_last4": "2345", "birth_date": date(1985, 4, 12)}
DEBTOR = {"case_number": "125/2026/TLTHA", "id_last4": "8765", "birth_date": date(1979, 11, 30)}
# Everything personal the example files hold, for "never shown to the wrong person" checks.
PERSONAL = {
    "Nguyễn Văn An": ("001085012345", "0912345678", "1985-04-12"),
    "Lê Văn Cường": ("001079098765", "0987654321", "1979-11-30"),
}


def load_examples(svc: CaseService, examples) -> None:
    for name in ("cases-example.csv", "cases-example.json"):
        report = svc.import_file((examples / name).read_bytes(), filename=name)
        assert report.applied, report.to_dict()


def case_ref(svc: CaseService, number: str) -> str:
    items, total = svc.search(ADMIN, q=number)
    assert total == 1
    return items[0]["ref"]


def walk(value):
    """Every string (and key) in a JSON-like structure."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from walk(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from walk(v)
    elif value is not None:
        yield str(value)


def staff(db, username: str = "giamsat", role: Role = Role.SUPERVISOR, office: str | None = None) -> Principal:
    from casework.staff import create_user, principal_of

    with db.write() as s:
        return principal_of(create_user(s, username, "mat-khau-rat-dai", role, office=office))
