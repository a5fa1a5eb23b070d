"""Enforcement-case registry: import, verified lookup and plain-language status for citizens.

Core API (no web or Telegram imports; adapters call these directly):

    from casework.cases import CaseService, CaseConfig, Citizen

    svc = CaseService(db, CaseConfig.from_settings(settings))     # db: casework.db.Database

    # Citizens — the bot passes the chat, API clients a token issued at their first link.
    me = Citizen.telegram(chat_id)                     # or Citizen.from_token(token)
    svc.link_with_code(me, code)                       # code from "/start <code>" (crypto.looks_like_link_code)
    svc.link_with_identity(me, case_number, id_last4, birth_date, office=None)
    svc.my_cases(me)            -> [summary dict]      # only cases `me` proved to be a party to
    svc.case_status(me, ref)    -> explanation dict    # ["text"] is the ready-to-send Vietnamese message
    svc.set_notifications(me, ref, on) / svc.unlink(me, ref)
    Errors: NotFound (404: unknown or not yours), InvalidInput (422), LinkExpired (410),
    LookupLocked (429, `.retry_after` seconds) — all casework.errors.CaseworkError with a Vietnamese message.

    # Staff — `principal` is a casework.privacy.Principal (office-scoped; others' cases are NotFound).
    svc.search(principal, q=..., office=..., stage=..., classification=..., open_only=..., page=..., per_page=...)
    svc.view(principal, ref)
    svc.import_file(data, filename=..., principal=principal or None, dry_run=False) -> ImportReport
    svc.record_stage(principal, ref, stage, on=..., note=..., classification=...)   # notifies linked chats
    svc.issue_link_code(principal, ref, party_ref) / svc.revoke_link_codes(principal, ref, party_ref)
    svc.analytics(principal)

    # Live feed: casework.cases.connector.CaseConnector + sync(svc, connector).

Stage explanations are data in `stages` (cited from corpus/procedures/); `explain` renders them.
Notifications are outbox rows (channel "telegram", event "case_stage") written in the same
transaction as the stage change; the outbox worker delivers them.
"""

from casework.cases.config import CaseConfig
from casework.cases.service import CaseService, Citizen, ImportReport, LinkExpired, LinkResult, LookupLocked

__all__ = ["CaseConfig", "CaseService", "Citizen", "ImportReport", "LinkExpired", "LinkResult", "LookupLocked"]
