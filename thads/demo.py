"""First-run data: a first admin account and a few demo items, all clearly marked as demo."""

from __future__ import annotations

import csv
import io
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from casework import consent
from casework.cases import CaseConfig, CaseService
from casework.db import Database
from casework.intake import Contact, IntakeRequest, submit
from casework.models import StaffUser
from casework.privacy import Role
from casework.staff import create_user
from casework.states import Channel, Kind
from thads.settings import REPO_ROOT, Settings

EXAMPLE_CASES = [REPO_ROOT / "docs" / "examples" / name for name in ("cases-example.json", "cases-example.csv")]

DEMO_MARK = "[DỮ LIỆU MẪU]"
DEMO_SUBMISSIONS = [
    (Kind.COMPLAINT, "Tôi khiếu nại việc Chấp hành viên kê biên nhà của tôi mà không thông báo trước. "
     "Đề nghị xem xét lại quyết định kê biên."),
    (Kind.DENUNCIATION, "Tôi tố cáo cán bộ thi hành án đòi tiền để đẩy nhanh việc thi hành án của gia đình tôi."),
    (Kind.FEEDBACK, "Đề nghị cơ quan thi hành án niêm yết lịch tiếp công dân trên cổng thông tin điện tử."),
]


@dataclass
class FirstAdmin:
    username: str
    password: str


def ensure_first_admin(db: Database) -> FirstAdmin | None:
    """Create 'admin' with a random password when no staff account exists yet."""
    with db.write() as session:
        if session.query(StaffUser).first() is not None:
            return None
        password = secrets.token_urlsafe(12)
        create_user(session, "admin", password, Role.ADMIN, display_name="Quản trị viên")
        return FirstAdmin("admin", password)


def load_demo_submissions(db: Database, settings: Settings) -> int:
    """A few demo items through the real intake (idempotent: fixed idempotency keys)."""
    from api.app import config_from

    cfg = config_from(settings)
    created = 0
    for n, (kind, text) in enumerate(DEMO_SUBMISSIONS, 1):
        receipt = submit(db, IntakeRequest(
            kind=kind, content=f"{DEMO_MARK} {text}", channel=Channel.API,
            contact=Contact(name=f"Công dân mẫu {n}"), consent_version=consent.NOTICE_VERSION,
            idempotency_key=f"demo-submission-{n}",
        ), cfg)
        created += int(receipt.created)
    return created


def _marked(path: Path) -> bytes:
    """The example file with every obligation prefixed by the demo mark."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        cases = json.loads(text)["cases"]
        for case in cases:
            case["obligation"] = f"{DEMO_MARK} {case.get('obligation') or ''}".strip()
        return json.dumps({"cases": cases}, ensure_ascii=False).encode()
    rows = list(csv.DictReader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        writer.writerow(row | {"obligation": f"{DEMO_MARK} {row['obligation']}"})
    return out.getvalue().encode()


def load_demo_cases(db: Database, settings: Settings) -> int:
    """The documented example cases (idempotent upsert), marked as demo."""
    service = CaseService(db, CaseConfig.from_settings(settings))
    return sum(service.import_file(_marked(p), filename=p.name).created for p in EXAMPLE_CASES if p.exists())


def load_demo_data(db: Database, settings: Settings) -> str:
    return (f"{load_demo_submissions(db, settings)} đơn mẫu mới, "
            f"{load_demo_cases(db, settings)} hồ sơ thi hành án mẫu mới")
