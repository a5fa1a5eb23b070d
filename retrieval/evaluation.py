"""The eval format of ../shared/eval/README.md and its metrics."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retrieval.search import Searcher
from retrieval.textnorm import evidence_key, has_diacritics


@dataclass
class EvalItem:
    id: str
    question: str
    evidence: list[str] = field(default_factory=list)
    abstain: bool = False


def load_eval_items(path: Path) -> list[EvalItem]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            items.append(EvalItem(str(raw["id"]), raw["question"], list(raw.get("evidence") or []), bool(raw.get("abstain", False))))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: dòng không đúng định dạng ({exc})") from exc
    return items


def contains_evidence(text: str, evidence: list[str]) -> bool:
    key = evidence_key(text)
    return any(evidence_key(e) in key for e in evidence if e.strip())


def _rate(values: list[bool]) -> float | None:
    return sum(values) / len(values) if values else None


def _retrieval_summary(items: list[dict[str, Any]]) -> dict[str, Any]:
    ranks = [i["hit_rank"] for i in items]
    n = len(ranks)
    return {
        "n": n,
        "hit@1": sum(1 for r in ranks if r == 1) / n if n else None,
        "hit@5": sum(1 for r in ranks if r is not None and r <= 5) / n if n else None,
        "mrr@10": sum(1 / r for r in ranks if r is not None and r <= 10) / n if n else None,
    }


Answerer = Callable[[str], Any]  # question → object with .answer (str) and .abstained (bool)


def evaluate(searcher: Searcher, items: list[EvalItem], answerer: Answerer | None = None, k: int = 10) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for item in items:
        hit_rank = None
        if not item.abstain:
            for rank, result in enumerate(searcher.search(item.question, k=k), 1):
                if contains_evidence(result.text, item.evidence):
                    hit_rank = rank
                    break
        answer = answerer(item.question) if answerer else None
        rows.append({
            "id": item.id, "hit_rank": hit_rank,
            "abstained": answer.abstained if answer else None,
            "answer": answer.answer if answer else None,
            "_abstain": item.abstain, "_evidence": item.evidence, "_plain": not has_diacritics(item.question),
        })
    scored = [r for r in rows if not r["_abstain"]]
    summary = _retrieval_summary(scored)
    summary["answer_contains"] = (
        _rate([bool(r["answer"]) and not r["abstained"] and contains_evidence(r["answer"], r["_evidence"]) for r in scored])
        if answerer else None
    )
    summary["abstain_accuracy"] = _rate([r["abstained"] == r["_abstain"] for r in rows]) if answerer else None
    groups = {
        "no_diacritics": _retrieval_summary([r for r in scored if r["_plain"]]),
        "with_diacritics": _retrieval_summary([r for r in scored if not r["_plain"]]),
    }
    return {"summary": summary, "groups": groups,
            "items": [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]}
