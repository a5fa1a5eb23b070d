"""Background enrichment (run by the worker, not at intake, so intake stays fast): content
embedding, nearest-labelled-example triage where the rules found nothing and staff have not
overridden, and near-duplicate suggestions. Vectors stay in the casework database."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from sqlalchemy import select

from casework.config import QueueConfig
from casework.db import Database
from casework.models import DuplicateCandidate, Submission, SubmissionVector, TriageExample, utcnow
from casework.states import Topic
from casework.triage import Embedder, Example, nearest, seed_examples, vote

log = logging.getLogger(__name__)
DUPLICATE_WINDOW_DAYS = 180


def _to_bytes(vec: np.ndarray) -> bytes:
    return np.asarray(vec, dtype=np.float32).tobytes()


def _from_bytes(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype=np.float32)


@dataclass
class Enricher:
    db: Database
    embedder: Embedder
    cfg: QueueConfig
    _seed: list[Example] | None = None

    def examples(self) -> list[Example]:
        if self._seed is None:
            seeds = seed_examples()
            vectors = self.embedder.embed_passages([e["text"] for e in seeds])
            self._seed = [Example(e["text"], e.get("topic"), e.get("priority"), e.get("kind"), v) for e, v in zip(seeds, vectors)]
        with self.db.read() as s:
            learned = [
                Example(t.text, t.topic, t.priority, t.kind, _from_bytes(t.vector))
                for t in s.scalars(select(TriageExample).where(TriageExample.model == self.embedder.name, TriageExample.vector.is_not(None)))
            ]
        return self._seed + learned

    def run_once(self, limit: int = 32) -> int:
        with self.db.read() as s:
            pending = list(s.execute(
                select(Submission.id, Submission.content).where(Submission.enriched_at.is_(None)).order_by(Submission.id).limit(limit)
            ).all())
        if not pending:
            return 0
        vectors = self.embedder.embed_passages([content for _, content in pending])
        examples = self.examples()
        for (sub_id, _), vec in zip(pending, vectors):
            self._apply(sub_id, vec, examples)
        return len(pending)

    def _apply(self, sub_id: int, vec: np.ndarray, examples: list[Example]) -> None:
        with self.db.write() as s:
            sub = s.get(Submission, sub_id)
            if sub is None or sub.enriched_at is not None:
                return  # another worker got there first
            if s.get(SubmissionVector, sub_id) is None:
                s.add(SubmissionVector(submission_id=sub_id, model=self.embedder.name, vector=_to_bytes(vec)))
            neighbours = nearest(vec, examples)
            triage = dict(sub.triage or {})
            triage["neighbours"] = [{"topic": n.topic, "priority": n.priority, "kind": n.kind, "score": round(n.score, 3)} for n in neighbours]
            label, share = vote(neighbours, "topic", self.cfg.triage_min_similarity)
            if not sub.triage_overridden and sub.topic == Topic.OTHER and label and label != Topic.OTHER and share >= 0.5:
                sub.topic = label
                triage["topic_source"] = "neighbours"
            kind_label, kind_share = vote(neighbours, "kind", self.cfg.triage_min_similarity)
            if kind_label and kind_label != sub.kind and kind_share > 0.5 and not triage.get("suggested_kind"):
                triage["suggested_kind"] = kind_label
            sub.triage = triage
            self._near_duplicates(s, sub, vec)
            sub.enriched_at = utcnow()

    def _near_duplicates(self, s, sub: Submission, vec: np.ndarray) -> None:
        since = utcnow() - timedelta(days=DUPLICATE_WINDOW_DAYS)
        rows = s.execute(
            select(SubmissionVector.submission_id, SubmissionVector.vector)
            .join(Submission, Submission.id == SubmissionVector.submission_id)
            .where(Submission.id != sub.id, Submission.received_at >= since, SubmissionVector.model == self.embedder.name)
        ).all()
        if not rows:
            return
        matrix = np.stack([_from_bytes(v) for _, v in rows])
        scores = matrix @ vec
        existing = set(s.scalars(select(DuplicateCandidate.candidate_id).where(DuplicateCandidate.submission_id == sub.id)))
        for (other_id, _), score in zip(rows, scores):
            if score >= self.cfg.duplicate_similarity and other_id not in existing:
                s.add(DuplicateCandidate(submission_id=sub.id, candidate_id=other_id, reason="similar_content", score=float(score)))
