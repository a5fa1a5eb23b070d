"""Triage: kind, topic, priority and complaint target from Vietnamese keyword rules, refined by the
nearest labelled examples (embeddings); duplicate suggestions; routing to the office concerned.
Suggestions only: staff decide, and their overrides become labelled examples."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

from casework.deadlines import ComplaintTarget
from casework.states import PRIORITY_RANK, Kind, Priority, Topic


def fold(text: str) -> str:
    """Lower-case without diacritics (đ → d): citizens often type Vietnamese without accents."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return re.sub(r"\s+", " ", "".join(c for c in text if unicodedata.category(c) != "Mn"))


def _patterns(*phrases: str) -> tuple[str, ...]:
    return tuple(fold(p) for p in phrases)


TOPIC_RULES: tuple[tuple[Topic, tuple[str, ...]], ...] = (
    (Topic.CORRUPTION, _patterns("tham nhũng", "tiêu cực", "hối lộ", "đưa tiền", "nhận tiền", "vòi tiền", "đòi tiền", "bồi dưỡng", "móc nối", "thông đồng", "chạy án")),
    (Topic.SEIZURE_VALUATION_AUCTION, _patterns("kê biên", "định giá", "thẩm định giá", "đấu giá", "giá khởi điểm", "cưỡng chế giao nhà", "tài sản bị kê biên")),
    (Topic.FEES, _patterns("phí thi hành án", "chi phí cưỡng chế", "chi phí thi hành án", "miễn giảm phí", "thu phí", "lệ phí")),
    (Topic.STAFF_CONDUCT, _patterns("thái độ", "quát", "hách dịch", "cửa quyền", "nhũng nhiễu", "thiếu trách nhiệm", "không tiếp", "cộc cằn", "gây khó khăn")),
    (Topic.SLOW_ENFORCEMENT, _patterns("chậm thi hành", "chưa thi hành", "kéo dài", "trì hoãn", "chây ì", "chưa giải quyết", "không giải quyết", "để lâu", "nhiều năm", "chưa nhận được tiền")),
)

URGENT_RULES = _patterns(
    "sắp cưỡng chế", "sắp bị cưỡng chế", "ngày mai cưỡng chế", "ngày mai sẽ cưỡng chế", "sắp kê biên",
    "đang cưỡng chế", "sắp bị đuổi", "sắp bán đấu giá", "cưỡng chế vào ngày", "thông báo cưỡng chế",
)
CORRUPTION_PRIORITY = TOPIC_RULES[0][1]
VULNERABLE_RULES = _patterns(
    "người già", "cao tuổi", "khuyết tật", "tàn tật", "trẻ nhỏ", "trẻ em", "neo đơn", "bệnh nặng",
    "ung thư", "mang thai", "hộ nghèo", "không có chỗ ở", "mất chỗ ở",
)
TARGET_RULES: tuple[tuple[ComplaintTarget, tuple[str, ...]], ...] = (
    (ComplaintTarget.ACCOUNT_FREEZE, _patterns("phong tỏa tài khoản", "phong toả tài khoản")),
    (ComplaintTarget.OTHER_SECURITY, _patterns("tạm giữ tài sản", "tạm dừng việc đăng ký", "tạm dừng chuyển quyền", "biện pháp bảo đảm")),
    (ComplaintTarget.POST_COERCION, _patterns("sau khi cưỡng chế", "sau cưỡng chế")),
    (ComplaintTarget.COERCIVE, _patterns("cưỡng chế", "kê biên", "khấu trừ", "trừ vào thu nhập", "buộc chuyển giao")),
)
KIND_HINTS: tuple[tuple[Kind, tuple[str, ...]], ...] = (
    (Kind.DENUNCIATION, _patterns("tố cáo")),
    (Kind.COMPLAINT, _patterns("khiếu nại")),
    (Kind.RECOMMENDATION, _patterns("kiến nghị", "đề nghị cơ quan")),
)
# Điều 157: a denunciation against an agency head is handled by the agency above.
HEAD_OF_AGENCY = _patterns("chi cục trưởng", "cục trưởng", "thủ trưởng cơ quan", "chánh thi hành án", "trưởng phòng thi hành án")


def _hits(folded: str, patterns: tuple[str, ...]) -> list[str]:
    return [p for p in patterns if p in folded]


@dataclass
class TriageResult:
    topic: Topic
    priority: Priority
    complaint_target: ComplaintTarget | None
    explanation: dict[str, Any] = field(default_factory=dict)


def triage_rules(content: str, kind: Kind, declared_target: ComplaintTarget | None = None) -> TriageResult:
    """Cheap keyword triage run at intake; the explanation records every rule that fired."""
    folded = fold(content)
    topic_hits = {t.value: _hits(folded, pats) for t, pats in TOPIC_RULES}
    topic = next((Topic(t) for t, h in topic_hits.items() if h), Topic.OTHER)
    reasons: list[str] = []
    priority = Priority.NORMAL
    if _hits(folded, URGENT_RULES):
        priority, reasons = Priority.URGENT, reasons + ["imminent_coercion"]
    if _hits(folded, CORRUPTION_PRIORITY):
        priority = max(priority, Priority.HIGH, key=PRIORITY_RANK.__getitem__)
        reasons.append("corruption_allegation")
    if _hits(folded, VULNERABLE_RULES):
        priority = max(priority, Priority.HIGH, key=PRIORITY_RANK.__getitem__)
        reasons.append("vulnerable_person")
    target, target_source = declared_target, "citizen" if declared_target else None
    if kind == Kind.COMPLAINT and target is None:
        guessed = next((t for t, pats in TARGET_RULES if _hits(folded, pats)), None)
        target, target_source = (guessed, "rule") if guessed else (ComplaintTarget.PRE_MEASURE, "default")
    suggested_kind = next((k.value for k, pats in KIND_HINTS if _hits(folded, pats)), None)
    explanation: dict[str, Any] = {
        "topic_source": "rule" if topic != Topic.OTHER else "none",
        "topic_hits": {t: h for t, h in topic_hits.items() if h},
        "priority_reasons": reasons,
        "target_source": target_source,
        "suggested_kind": suggested_kind if suggested_kind and suggested_kind != kind.value else None,
        "accused_agency_head": bool(_hits(folded, HEAD_OF_AGENCY)),
    }
    return TriageResult(topic, priority, target, explanation)


# --- nearest labelled examples -----------------------------------------------------------------


class Embedder(Protocol):
    name: str

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Example:
    text: str
    topic: str | None
    priority: str | None
    kind: str | None
    vector: np.ndarray


@lru_cache(maxsize=1)
def seed_examples() -> tuple[dict[str, Any], ...]:
    path = Path(__file__).with_name("triage_examples.yaml")
    return tuple(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Neighbour:
    topic: str | None
    priority: str | None
    kind: str | None
    score: float


def nearest(vector: np.ndarray, examples: list[Example], k: int = 5) -> list[Neighbour]:
    if not examples:
        return []
    matrix = np.stack([e.vector for e in examples])
    scores = matrix @ vector
    order = np.argsort(-scores)[:k]
    return [Neighbour(examples[i].topic, examples[i].priority, examples[i].kind, float(scores[i])) for i in order]


def vote(neighbours: list[Neighbour], attr: str, min_score: float, margin: float = 0.03) -> tuple[str | None, float]:
    """Similarity-weighted vote among the neighbours close to the best one (E5 similarities sit in a
    narrow band, so only those within `margin` of the top and above `min_score` count);
    returns (label, share of the weight)."""
    if not neighbours:
        return None, 0.0
    floor = max(min_score, neighbours[0].score - margin)
    weights: Counter[str] = Counter()
    for n in neighbours:
        label = getattr(n, attr)
        if label and n.score >= floor:
            weights[label] += n.score
    if not weights:
        return None, 0.0
    label, weight = weights.most_common(1)[0]
    return label, weight / sum(weights.values())


def route_office(declared: str | None, default_office: str | None) -> tuple[str | None, str]:
    """The office concerned: the one the citizen named, else the configured default.
    (A case-registry lookup by case number plugs in here once the registry exists.)"""
    if declared and declared.strip():
        return declared.strip(), "citizen"
    return default_office, "default"
