"""Small builders for casework tests."""

from __future__ import annotations

import itertools

from casework import consent, intake
from casework.config import QueueConfig
from casework.db import Database
from casework.privacy import Principal, Role
from casework.staff import create_user, principal_of
from casework.states import Channel, Kind

_chat = itertools.count(1000)


def submit(db: Database, cfg: QueueConfig, *, kind: Kind = Kind.COMPLAINT, content: str = "Cơ quan thi hành án chậm thi hành bản án của tôi.",
           chat_id: str | None = "auto", phone: str | None = None, name: str | None = "Nguyễn Văn A", **kw) -> intake.Receipt:
    anonymous = kw.pop("anonymous", False)
    chat = str(next(_chat)) if chat_id == "auto" else chat_id
    contact = intake.Contact() if anonymous else intake.Contact(name=name, phone=phone, chat_id=chat)
    req = intake.IntakeRequest(kind=kind, content=content, channel=Channel.TELEGRAM, contact=contact,
                               consent_version=None if anonymous else consent.NOTICE_VERSION, anonymous=anonymous, **kw)
    return intake.submit(db, req, cfg)


def staff(db: Database, username: str, role: Role = Role.HANDLER, office: str | None = None) -> Principal:
    with db.write() as s:
        return principal_of(create_user(s, username, "mat-khau-rat-dai", role, office=office))
