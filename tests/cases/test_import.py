"""Import: idempotent upsert, per-row error report, all-or-nothing, no identifiers in clear, notifications."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import func, select, text

from casework.cases.connector import DropFolderConnector, sync
from casework.cases.models import CaseEvent, CaseLink, CaseParty, EnforcementCase
from casework.models import OutboxMessage
from casework.outbox import OutboxWorker
from case_helpers import ADMIN, CREDITOR, PERSONAL, case_ref, load_examples, staff
from casework.cases import Citizen

HEADER = ("case_number,office,stage,stage_since,classification,amount_due,amount_paid,party_role,party_name,"
          "national_id,phone,birth_date")


def counts(db) -> tuple[int, int, int]:
    with db.read() as s:
        return tuple(int(s.scalar(select(func.count()).select_from(m)) or 0) for m in (EnforcementCase, CaseParty, CaseEvent))


def test_examples_import_then_reimport_changes_nothing(svc, db, examples):
    load_examples(svc, examples)
    before = counts(db)
    assert before[0] == 4 and before[1] == 8
    for name, n in (("cases-example.csv", 3), ("cases-example.json", 1)):
        report = svc.import_file((examples / name).read_bytes(), filename=name)
        assert report.applied and report.unchanged == n and report.created == report.updated == 0
    assert counts(db) == before


def test_changed_reimport_updates_in_place_and_notifies_linked_chats(svc, db, examples):
    load_examples(svc, examples)
    chat = Citizen.telegram(555)
    svc.link_with_identity(chat, **CREDITOR)
    changed = (examples / "cases-example.csv").read_text(encoding="utf-8").replace(
        "voluntary_period,2026-03-09,,150.000.000,0", "verification,2026-03-20,,150.000.000,20.000.000")
    report = svc.import_file(changed.encode(), filename="x.csv")
    assert report.applied and (report.updated, report.unchanged, report.stage_changes, report.notifications) == (1, 2, 1, 1)
    assert counts(db)[:2] == (4, 8)  # same cases, same parties: nothing duplicated
    ref = case_ref(svc, "125/2026/TLTHA")
    status = svc.case_status(chat, ref)
    assert status["stage"] == "verification" and status["amounts"]["remaining"] == 130_000_000
    assert [h["stage"] for h in status["history"]][-1] == "verification"
    with db.read() as s:
        (msg,) = s.scalars(select(OutboxMessage)).all()
    assert msg.recipient == "555" and msg.event == "case_stage" and "Đang xác minh điều kiện thi hành án" in msg.payload["text"]
    # Unchanged on a second identical run: no second notification.
    assert svc.import_file(changed.encode(), filename="x.csv").unchanged == 3


def test_bad_rows_are_reported_and_nothing_is_applied(svc, db, examples):
    load_examples(svc, examples)
    before = counts(db)
    rows = [
        HEADER,
        "125/2026/TLTHA,THADS TP Hà Nội,payment,2026-04-01,,150000000,150000000,creditor,Nguyễn Văn An,001085012345,,1985-04-12",  # valid update
        "900/2026,THADS TP Hà Nội,flying,2026-04-01,,1,0,creditor,A,,,",  # bad stage
        "901/2026,THADS TP Hà Nội,received,31/02/2026,,1,0,creditor,B,,,",  # bad date
        "902/2026,THADS TP Hà Nội,received,,,100,200,creditor,C,,,",  # paid > due
        "903/2026,THADS TP Hà Nội,received,,,,,debtor,D,12345,,",  # bad national ID
        "904/2026,THADS TP Hà Nội,received,,,,,creditor,,,,",  # missing name
        "905/2026,THADS TP Hà Nội,received,,,,,creditor,E,,,",
        "905/2026,THADS TP Hà Nội,payment,,,,,debtor,F,,,",  # conflicts with the row above
        "906/2026,THADS TP Hà Nội,received,,,1.5,,creditor,G,,,",  # not an integer amount
    ]
    report = svc.import_file("\n".join(rows).encode(), filename="bad.csv")
    assert not report.ok and not report.applied
    got = {(e.row, e.field) for e in report.errors}
    assert got == {(3, "stage"), (4, "stage_since"), (5, "amount_paid"), (6, "national_id"), (7, "party_name"), (9, "stage"),
                   (10, "amount_due")}
    assert all(e.message for e in report.errors)
    assert not any("12345" in json.dumps(e.to_dict(), ensure_ascii=False) for e in report.errors)  # ID never echoed
    assert counts(db) == before
    items, _ = svc.search(ADMIN, q="125/2026/TLTHA")
    assert items[0]["stage"] == "voluntary_period"


def test_file_level_errors(svc, db):
    for data, name, needle in (
        (b"case_number,office,stage,party_role,party_name,surprise\n", "x.csv", "surprise"),
        (b"case_number,office\n1,X\n", "x.csv", "party_role"),
        ("case_number,office,stage,party_role,party_name\n1,Văn phòng,received,creditor,Ă\n".encode("cp1258", "replace")
         .replace(b"?", b"\xff"), "x.csv", "UTF-8"),
        (b'{"cases": [', "x.json", "JSON"),
        (b'{"items": []}', "x.json", "cases"),
    ):
        report = svc.import_file(data, filename=name)
        assert not report.applied and report.file_error and needle in report.file_error, (name, report.file_error)
    assert counts(db) == (0, 0, 0)


def test_json_rows_duplicates_and_unknown_fields(svc, db):
    doc = {"cases": [
        {"case_number": "1/2026", "office": "X", "stage": "received", "parties": [{"role": "creditor", "name": "A"}]},
        {"case_number": "1 / 2026".replace(" ", ""), "office": "X", "stage": "notified"},
        {"case_number": "2/2026", "office": "X", "stage": "received", "secret_field": 1,
         "events": [{"date": "2026-01-01", "stage": "nope"}]},
    ]}
    report = svc.import_file(json.dumps(doc).encode(), filename="x.json")
    assert {(e.row, e.field) for e in report.errors} == {(2, "case_number"), (3, "secret_field"), (3, "stage")}
    assert counts(db) == (0, 0, 0)


def test_identifiers_are_stored_only_as_keyed_hashes(svc, db, examples):
    load_examples(svc, examples)
    with db.read() as s:
        dump = []
        for table in ("enforcement_cases", "case_parties", "case_events", "audit_events"):
            dump += [" ".join(map(str, row)) for row in s.execute(text(f"SELECT * FROM {table}"))]
    blob = "\n".join(dump)
    for name, (nid, phone, dob) in PERSONAL.items():
        assert name in blob  # names are kept (staff need them) ...
        for value in (nid, phone, dob, nid[-4:] + "|" + dob):  # ... identifiers and birth dates are not
            assert value not in blob


def test_staff_stage_change_notifies_in_the_same_transaction_and_the_worker_delivers(svc, db, examples):
    load_examples(svc, examples)
    chat = Citizen.telegram(777)
    svc.link_with_identity(chat, **CREDITOR)
    other = Citizen.telegram(778)
    svc.link_with_identity(other, **CREDITOR)
    svc.set_notifications(other, case_ref(svc, "125/2026/TLTHA"), False)
    out = svc.record_stage(staff(db), case_ref(svc, "125/2026/TLTHA"), "coercion", note="Khấu trừ tài khoản")
    assert out["stage"] == "coercion"

    class Recorder:
        name = "telegram"

        def __init__(self) -> None:
            self.sent = []

        async def send(self, message) -> None:
            self.sent.append(message)

    channel = Recorder()
    delivered = asyncio.run(OutboxWorker(db, {"telegram": channel}).run_once())
    assert delivered == 1 and channel.sent[0].recipient == "777" and "Đang cưỡng chế thi hành án" in channel.sent[0].text
    for name, (nid, phone, dob) in PERSONAL.items():  # the message names nobody
        assert name not in channel.sent[0].text


def test_drop_folder_connector(svc, db, examples, tmp_path):
    inbox = tmp_path / "feed" / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "001.json").write_bytes((examples / "cases-example.json").read_bytes())
    (inbox / "002.json").write_text('{"cases": [{"case_number": "9", "office": "X", "stage": "bogus"}]}', encoding="utf-8")
    results = dict(sync(svc, DropFolderConnector(tmp_path / "feed")))
    assert results["001.json"].applied and not results["002.json"].applied
    assert (tmp_path / "feed" / "done" / "001.json").exists()
    assert json.loads((tmp_path / "feed" / "rejected" / "002.report.json").read_text())["errors"][0]["field"] == "stage"
    assert counts(db)[0] == 1


def test_one_migration_head():
    from alembic.script import ScriptDirectory

    from casework.migrate import alembic_config

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads


def test_links_disappear_with_a_removed_party(svc, db, examples):
    load_examples(svc, examples)
    chat = Citizen.telegram(900)
    svc.link_with_identity(chat, **CREDITOR)
    without = "\n".join(line for line in (examples / "cases-example.csv").read_text(encoding="utf-8").splitlines()
                        if "Nguyễn Văn An" not in line)
    assert svc.import_file(without.encode(), filename="x.csv").updated == 1
    assert svc.my_cases(chat) == []
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(CaseLink)) == 0
