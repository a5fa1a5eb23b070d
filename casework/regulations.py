"""Related regulations for an item, through whatever search the deployment injects (the retrieval
core in production). Complaint text is only ever a query here: it is never indexed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

log = logging.getLogger(__name__)
QUERY_CHARS = 600


@runtime_checkable
class RegulationHit(Protocol):
    text: str
    citation: str
    title: str
    doc_id: str
    in_force: bool | None
    score: float


@runtime_checkable
class RegulationSearch(Protocol):
    def search(self, query: str, k: int = 5) -> Sequence[Any]: ...


def related_regulations(search: RegulationSearch | None, content: str, topic_label: str, k: int = 5) -> list[dict[str, Any]]:
    """Top passages for an item's content; empty when no search is configured or it fails."""
    if search is None or not content.strip():
        return []
    query = f"{topic_label}. {content[:QUERY_CHARS]}"
    try:
        hits = search.search(query, k=k)
    except Exception as exc:  # regulations are an aid: the item page must still load
        log.warning("regulation search failed: %s", type(exc).__name__)
        return []
    return [
        {
            "title": getattr(h, "title", ""),
            "citation": getattr(h, "citation", ""),
            "doc_id": getattr(h, "doc_id", ""),
            "in_force": getattr(h, "in_force", None),
            "valid_to": getattr(h, "valid_to", None),
            "replaced_by": getattr(h, "replaced_by", None),
            "score": float(getattr(h, "score", 0.0)),
            "text": getattr(h, "text", ""),
        }
        for h in hits
    ]
