"""Staff-approved answers: written on the dashboard from a question sent to staff (or a 👎 answer),
tied to the index passages they rest on, and given by the assistant for matching questions through
the `approved` hook of `retrieval.answers.build_answerer` (mode "approved", marked as confirmed by
staff). Each source keeps its document's content hash; when the index catalog holds a different
hash (the document changed, or is gone) the answer is flagged for review and no longer given."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from casework import audit, codes
from casework.db import Database
from casework.errors import Forbidden, InvalidInput, NotFound
from casework.models import ApprovedAnswer, Submission, utcnow
from casework.privacy import Permission, Principal

if TYPE_CHECKING:
    from retrieval.answers import Answer
    from thads.settings import Settings

log = logging.getLogger(__name__)

ACTIVE, NEEDS_REVIEW, RETIRED = "active", "needs_review", "retired"
STATUS_LABELS = {ACTIVE: "Đang dùng", NEEDS_REVIEW: "Cần xem lại", RETIRED: "Ngừng dùng"}
CONFIRMED_MARK = "✅ Câu trả lời này đã được cán bộ xác nhận."
MATCH_THRESHOLD = 0.8  # Jaccard overlap of content terms: rephrasings match, other questions do not
MAX_SOURCES = 8

# doc_id → document content hash, as the index catalog holds it now (None: no index to check against).
IndexState = Callable[[], "dict[str, str] | None"]


@dataclass(frozen=True)
class Source:
    """One passage an approved answer rests on, with the hash of its document when approved."""

    doc_id: str
    chunk_id: str
    title: str
    section: str
    citation: str
    quote: str
    in_force: bool | None
    validity: str
    content_hash: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def question_key(text: str) -> str:
    """Lower case, no punctuation, single spaces (diacritics kept): the exact-match key."""
    text = unicodedata.normalize("NFC", text).lower()
    return " ".join(re.findall(r"\w+", text))[:500]


def _terms(text: str) -> set[str]:
    from retrieval.answers import content_terms  # same stop words and folding as the answerer

    return set(content_terms(text))


def similarity(a: str, b: str) -> float:
    if question_key(a) == question_key(b):
        return 1.0
    ta, tb = _terms(a), _terms(b)
    if len(ta) < 2 or len(tb) < 2:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def _require(principal: Principal) -> None:
    if not principal.can(Permission.QUEUE_WORK):
        raise Forbidden("Tài khoản của bạn không có quyền duyệt câu trả lời.")


def stale_reason(sources: Iterable[dict[str, Any]], current: dict[str, str]) -> str | None:
    """Why an answer's sources no longer match the index, or None when they all do."""
    for src in sources:
        now = current.get(src.get("doc_id", ""))
        if now is None:
            return f"Văn bản nguồn “{src.get('title') or src.get('doc_id')}” không còn trong chỉ mục."
        if now != src.get("content_hash"):
            return f"Văn bản nguồn “{src.get('title') or src.get('doc_id')}” đã thay đổi sau khi câu trả lời được duyệt."
    return None


def _row_dict(row: ApprovedAnswer, origin_code: str | None = None) -> dict[str, Any]:
    return {
        "id": row.id, "question": row.question, "answer": row.answer, "sources": list(row.sources or []),
        "status": row.status, "status_label": STATUS_LABELS.get(row.status, row.status),
        "review_reason": row.review_reason, "author": row.author.username if row.author else None,
        "created_at": row.created_at, "updated_at": row.updated_at, "flagged_at": row.flagged_at, "uses": row.uses,
        "origin_code": origin_code,
    }


def create(db: Database, principal: Principal, *, question: str, answer: str, sources: Sequence[Source],
           origin_code: str | None = None, origin_feedback_id: int | None = None) -> int:
    _require(principal)
    question, answer = question.strip(), answer.strip()
    if len(question) < 5:
        raise InvalidInput("Cần ghi câu hỏi (ít nhất 5 ký tự).", field="question")
    if len(answer) < 10:
        raise InvalidInput("Cần viết câu trả lời (ít nhất 10 ký tự).", field="answer")
    if not sources:
        raise InvalidInput("Cần chọn ít nhất một đoạn văn bản làm căn cứ cho câu trả lời.", field="sources")
    if len(sources) > MAX_SOURCES:
        raise InvalidInput(f"Chọn tối đa {MAX_SOURCES} đoạn căn cứ.", field="sources")
    with db.write() as s:
        origin = None
        if origin_code:
            query = select(Submission).where(Submission.code == codes.normalize_code(origin_code))
            if principal.office is not None:
                query = query.where(Submission.office == principal.office)
            origin = s.scalar(query)
            if origin is None:
                raise NotFound()
        row = ApprovedAnswer(question=question, question_key=question_key(question), answer=answer,
                             sources=[src.as_dict() for src in sources], status=ACTIVE, created_by=principal.user_id,
                             origin_submission_id=origin.id if origin else None, origin_feedback_id=origin_feedback_id)
        s.add(row)
        s.flush()
        audit.record(s, action="approved_answer_created", submission=origin, principal=principal,
                     details={"approved_answer_id": row.id, "sources": [src.chunk_id for src in sources]})
        return row.id


def list_answers(db: Database, principal: Principal) -> list[dict[str, Any]]:
    if not principal.can(Permission.QUEUE_READ):
        return []
    with db.read() as s:
        rows = s.execute(select(ApprovedAnswer, Submission.code, Submission.office)
                         .outerjoin(Submission, Submission.id == ApprovedAnswer.origin_submission_id)
                         .order_by(ApprovedAnswer.status != NEEDS_REVIEW, ApprovedAnswer.id.desc())).all()
        # An origin item outside the viewer's office is not named (same scoping as the queue).
        return [_row_dict(r, code if principal.sees_office(office) else None) for r, code, office in rows]


def get(db: Database, principal: Principal, answer_id: int) -> dict[str, Any]:
    for row in list_answers(db, principal):
        if row["id"] == answer_id:
            return row
    raise NotFound()


def set_status(db: Database, principal: Principal, answer_id: int, status: str, *, current: dict[str, str] | None = None,
               reason: str | None = None) -> None:
    """Re-confirm (sources re-hashed against the index now: staff checked them) or retire."""
    _require(principal)
    if status not in (ACTIVE, RETIRED):
        raise InvalidInput("Trạng thái không hợp lệ.", field="status")
    with db.write() as s:
        row = s.get(ApprovedAnswer, answer_id)
        if row is None:
            raise NotFound()
        if status == ACTIVE:
            if current is None:
                raise InvalidInput("Chưa đọc được chỉ mục để xác nhận lại nguồn.", field="status")
            missing = [src for src in row.sources if src.get("doc_id") not in current]
            if missing:
                raise InvalidInput("Có văn bản nguồn không còn trong chỉ mục: hãy viết câu trả lời mới với nguồn khác.",
                                   field="sources")
            row.sources = [{**src, "content_hash": current[src["doc_id"]]} for src in row.sources]
            row.review_reason, row.flagged_at = None, None
        else:
            row.review_reason = reason or row.review_reason
        row.status = status
        audit.record(s, action=f"approved_answer_{status}", submission=None, principal=principal,
                     details={"approved_answer_id": row.id})


def flag_changed(db: Database, current: dict[str, str]) -> list[int]:
    """Flag every active answer whose sources changed in the index; returns the flagged ids."""
    flagged = []
    with db.write() as s:
        for row in s.scalars(select(ApprovedAnswer).where(ApprovedAnswer.status == ACTIVE)):
            reason = stale_reason(row.sources, current)
            if reason:
                row.status, row.review_reason, row.flagged_at = NEEDS_REVIEW, reason, utcnow()
                audit.record(s, action="approved_answer_flagged", submission=None, details={"approved_answer_id": row.id})
                flagged.append(row.id)
    return flagged


def best_match(db: Database, question: str) -> tuple[int, str, str, list[dict[str, Any]]] | None:
    """The active approved answer closest to `question` above the threshold."""
    key = question_key(question)
    with db.read() as s:
        rows = s.execute(select(ApprovedAnswer.id, ApprovedAnswer.question, ApprovedAnswer.question_key,
                                ApprovedAnswer.answer, ApprovedAnswer.sources)
                         .where(ApprovedAnswer.status == ACTIVE)).all()
    best, best_score = None, 0.0
    for row in rows:
        score = 1.0 if row.question_key == key else similarity(question, row.question)
        if score >= MATCH_THRESHOLD and score > best_score:
            best, best_score = row, score
    return (best.id, best.question, best.answer, list(best.sources)) if best else None


def to_answer(question: str, text: str, sources: list[dict[str, Any]]) -> "Answer":
    from retrieval.answers import Answer, Citation, render

    citations = [
        Citation(n=n, title=src.get("title", ""), section=src.get("section", ""), quote=src.get("quote", ""),
                 doc_id=src.get("doc_id", ""), in_force=src.get("in_force"), validity=src.get("validity", ""),
                 chunk_id=src.get("chunk_id", ""))
        for n, src in enumerate(sources, 1)
    ]
    body = render([text.strip(), CONFIRMED_MARK], citations)
    return Answer(question=question, answer=body, citations=citations, confidence=1.0, mode="approved")


def approved_hook(db: Database, index_state: IndexState | None) -> Callable[[str], "Answer | None"]:
    """The `approved` callable for build_answerer. Before giving an answer its sources are checked
    against the index (a changed source flags it and the assistant answers from the index instead)."""

    def hook(question: str) -> "Answer | None":
        try:
            match = best_match(db, question)
            if match is None:
                return None
            answer_id, _, text, sources = match
            if index_state is not None:
                current = index_state()
                if current is None:  # sources cannot be verified: do not vouch for the answer
                    return None
                if stale_reason(sources, current):
                    flag_changed(db, current)
                    return None
            with db.write() as s:
                row = s.get(ApprovedAnswer, answer_id)
                if row is not None:
                    row.uses = (row.uses or 0) + 1
            return to_answer(question, text, sources)
        except DBAPIError as exc:  # no queue database (or not migrated): answer from the index
            log.warning("approved answers unavailable: %s", type(exc).__name__)
            return None

    return hook


def catalog_state(index_dir: Path) -> IndexState:
    """Reads doc_id → content hash from the index catalog (fresh on every call: ingests run meanwhile)."""

    def read() -> dict[str, str] | None:
        from retrieval.store import Catalog

        path = index_dir / "catalog.sqlite3"
        if not path.exists():
            return None
        catalog = Catalog(path)
        try:
            return {doc_id: h for doc_id, (_, _, h) in catalog.documents().items()}
        finally:
            catalog.close()

    return read


def hook_for(settings: "Settings") -> Callable[[str], "Answer | None"] | None:
    """The hook over the configured queue database and index; None when there is no database yet
    (a fresh data dir with only an index: nothing has been approved)."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite" and (not url.database or not Path(url.database).exists()):
        return None
    return approved_hook(Database(settings.resolved_database_url), catalog_state(settings.index_dir))
