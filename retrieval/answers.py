"""Short Vietnamese answers with numbered citations, built only from retrieved passages.

Extractive by default (offline): the sentences of the top passages that best cover the question are
quoted with their sources. An optional LLM (retrieval/generation.py) may write the answer instead; its
output is checked against the passages and falls back to the extractive answer when it fails.
Text inside documents and questions is data: nothing here executes or obeys it."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from retrieval.chunking import split_sentences
from retrieval.search import Searcher, SearchFilters, SearchResult
from retrieval.textnorm import fold, syllables
from retrieval.validity import validity_note

if TYPE_CHECKING:
    from thads.settings import Settings

# Function words and question words: they say how a question is asked, not what it is about.
STOPWORDS = set(fold(
    "là của và các những có được cho về trong thì bao nhiêu gì nào thế như tôi bạn em anh chị ạ không ko k hay "
    "hoặc với để khi đã đang sẽ một này đó ai sao làm muốn phải bị ở tại theo từ đến nếu mà nhưng rồi vậy hả nhé "
    "lâu giờ mới còn đi ra vào lại nữa thôi chứ đâu mình họ nó cái việc người ngày năm tháng hãy xin cần biết cho "
    "hỏi ơi với nhỉ vẫn cũng đều rất nhất thể kể bằng do vì nên thưa dạ vâng ừ à"
).split())
# "How long / how much / when" questions want a figure: sentences that state one are preferred.
QUANTITY = re.compile(r"\b(bao (lau|nhieu)|may (ngay|thang|nam|lan|%)|khi nao|ngay nao|bao gio|ty le|muc)\b")
HOWTO = re.compile(r"\b(lam (the nao|sao|gi)|thu tuc|o dau|nop|can (gi|nhung gi)|bao lau|the nao|co duoc|duoc khong|phai lam)\b")

NO_ANSWER = (
    "Xin lỗi, tài liệu mà Trợ lý THADS có không đề cập đến câu hỏi này, nên tôi không trả lời để tránh thông tin sai."
)
NEXT_STEPS = (
    "Bạn có thể: (1) hỏi lại bằng cách diễn đạt khác, nêu rõ thủ tục hoặc văn bản cần hỏi; "
    "(2) liên hệ trực tiếp cơ quan thi hành án dân sự nơi đang giải quyết việc của bạn; "
    "(3) gửi câu hỏi cho cán bộ để được trả lời."
)


@dataclass
class Citation:
    n: int
    title: str
    section: str
    quote: str
    doc_id: str
    in_force: bool | None
    validity: str
    chunk_id: str
    current_text: bool = False  # added to point at the text in force today

    def to_public(self) -> dict[str, Any]:
        return {"title": self.title, "section": self.section, "quote": self.quote, "doc_id": self.doc_id,
                "in_force": self.in_force, "validity": self.validity, "n": self.n}


@dataclass
class Answer:
    question: str
    answer: str
    citations: list[Citation] = field(default_factory=list)
    confidence: float = 0.0
    abstained: bool = False
    mode: str = "extractive"  # extractive | llm | approved | abstained
    notes: list[str] = field(default_factory=list)  # why generation fell back, etc. (never shown raw)
    passages: list[SearchResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"answer": self.answer, "citations": [c.to_public() for c in self.citations],
                "confidence": round(self.confidence, 3), "abstained": self.abstained, "mode": self.mode}


def content_terms(text: str) -> list[str]:
    return [t for t in syllables(text) if t not in STOPWORDS and not t.isdigit()]


@dataclass
class Evidence:
    """How well the best passages cover the question."""

    coverage: float  # IDF-weighted share of the question's content terms found in the top passages
    dense: float  # cosine similarity of the best dense hit
    terms: list[str]

    @property
    def confidence(self) -> float:
        return max(0.0, min(1.0, 0.5 * self.coverage + 0.5 * max(0.0, (self.dense - 0.80) / 0.12)))

    def weak(self, min_dense: float, min_dense_low_coverage: float, low_coverage: float) -> bool:
        """Calibrated on dev.jsonl and tests/eval/procedures.jsonl (E5 cosines are compressed: unrelated
        questions still score ~0.80–0.86, so the dense bar alone is not enough)."""
        if self.dense < min_dense or self.coverage < 0.1:
            return True
        return self.coverage < low_coverage and self.dense < min_dense_low_coverage


class ExtractiveAnswerer:
    def __init__(self, searcher: Searcher, min_coverage: float = 0.45, min_dense: float = 0.835,
                 min_dense_low_coverage: float = 0.865,
                 generator: Callable[[str, list[SearchResult]], Any] | None = None,
                 approved: Callable[[str], Answer | None] | None = None, today: date | None = None) -> None:
        self.searcher = searcher
        self.min_coverage = min_coverage
        self.min_dense = min_dense
        self.min_dense_low_coverage = min_dense_low_coverage
        self.generator = generator
        self.approved = approved
        self.today = today

    # -- evidence ---------------------------------------------------------------------------------
    def _idf(self, term: str) -> float:
        snap = self.searcher.snapshot()
        if snap.bm25 is None or term not in snap.vocab:
            return math.log(1 + len(snap.ids) or 1) + 1.0  # unseen in the corpus: maximally specific
        df = _doc_freq(snap, term)
        return math.log(1 + (len(snap.ids) - df + 0.5) / (df + 0.5))

    def evidence(self, question: str, passages: list[SearchResult]) -> Evidence:
        terms = list(dict.fromkeys(content_terms(question)))
        if not terms or not passages:
            return Evidence(0.0, 0.0, terms)
        present = set()
        for p in passages[:3]:
            present |= set(syllables(p.text + " " + " ".join(p.heading_path) + " " + p.title))
        weights = {t: self._idf(t) for t in terms}
        covered = sum(w for t, w in weights.items() if t in present)
        dense = max((p.dense_score or 0.0) for p in passages[:5])
        return Evidence(covered / sum(weights.values()), dense, terms)

    # -- ranking ----------------------------------------------------------------------------------
    def _rank(self, question: str, passages: list[SearchResult]) -> list[SearchResult]:
        """Prefer texts in force, and the procedure guides for 'how do I…' questions."""
        howto = bool(HOWTO.search(fold(question)))

        def weight(p: SearchResult) -> float:
            w = p.score
            if p.in_force is False:
                w *= 0.8
            if howto and p.kind == "hướng dẫn":
                w *= 1.3
            return w

        return sorted(passages, key=weight, reverse=True)

    # -- sentences --------------------------------------------------------------------------------
    def _best_sentences(self, terms: list[str], question: str, passages: list[SearchResult]) -> list[tuple[SearchResult, str]]:
        q_terms = set(terms)
        q_bigrams = set(zip(syllables(question), syllables(question)[1:]))
        wants_figure = bool(QUANTITY.search(fold(question)))
        scored: list[tuple[float, int, SearchResult, str]] = []
        for rank, passage in enumerate(passages[:4]):
            for sentence in _sentences(passage.text):
                words = syllables(sentence)
                overlap = sum(self._idf(t) for t in set(words) & q_terms)
                bigram = len(set(zip(words, words[1:])) & q_bigrams)
                score = (overlap + 0.5 * bigram) / (1 + 0.5 * rank) / (1 + len(words) / 150)
                if wants_figure and re.search(r"\d", _FIGURE_FREE.sub("", sentence)):
                    score *= 1.5
                if overlap:
                    scored.append((score, rank, passage, sentence))
        scored.sort(key=lambda s: -s[0])
        if not scored:
            return []
        chosen: list[tuple[SearchResult, str]] = []
        best = scored[0][0]
        for score, _, passage, sentence in scored:
            if score < 0.45 * best or len(chosen) == 3 or sum(len(s) for _, s in chosen) > 500:
                break
            if sentence not in (s for _, s in chosen):
                chosen.append((passage, sentence))
        return chosen

    # -- answer -----------------------------------------------------------------------------------
    def __call__(self, question: str, filters: SearchFilters | None = None) -> Answer:
        question = question.strip()
        if self.approved:
            confirmed = self.approved(question)
            if confirmed is not None:
                return confirmed
        passages = self.searcher.search(question, k=8, filters=filters, today=self.today)
        evidence = self.evidence(question, passages)
        if evidence.weak(self.min_dense, self.min_dense_low_coverage, self.min_coverage):
            return abstention(question, evidence.confidence)
        ranked = self._rank(question, passages)
        if self.generator:
            generated = self.generator(question, ranked[:5])
            if generated is not None and generated.ok:
                return self._from_generation(question, generated, ranked[:5], evidence)
            notes = [generated.reason] if generated is not None else []
        else:
            notes = []
        answer = self.compose(question, evidence, ranked)
        answer.notes += notes
        return answer

    def compose(self, question: str, evidence: Evidence, ranked: list[SearchResult]) -> Answer:
        chosen = self._best_sentences(evidence.terms, question, ranked)
        if not chosen:
            return abstention(question, evidence.confidence)
        citations: dict[str, Citation] = {}
        lines = []
        for passage, sentence in chosen:
            citation = citations.get(passage.chunk_id)
            if citation is None:
                citation = _citation(len(citations) + 1, passage, sentence)
                citations[passage.chunk_id] = citation
            else:
                citation.quote += " " + sentence
            lines.append(f"{_clean_sentence(_with_list(passage.text, sentence))} [{citation.n}]")
        cited = list(citations.values())
        cited += self._current_text(question, [p for p, _ in chosen], len(cited))
        return Answer(question=question, answer=render(lines, cited), citations=cited,
                      confidence=evidence.confidence, passages=ranked)

    def _current_text(self, question: str, used: list[SearchResult], numbered: int) -> list[Citation]:
        """When the evidence comes from a text no longer in force, point at the text in force today."""
        if not any(p.in_force is False for p in used):
            return []
        today = self.today or date.today()
        current = self.searcher.search(question, k=3, filters=SearchFilters(in_force_on=today), today=self.today)
        current = [p for p in current if p.kind != "hướng dẫn" and p.chunk_id not in {u.chunk_id for u in used}]
        if not current:
            return []
        best = current[0]
        sentence = (_sentences(best.text) or [best.text])[0]
        citation = _citation(numbered + 1, best, sentence)
        citation.current_text = True
        return [citation]

    def _from_generation(self, question: str, generated: Any, passages: list[SearchResult], evidence: Evidence) -> Answer:
        cited = [_citation(n, passages[n - 1], _sentences(passages[n - 1].text)[0] if _sentences(passages[n - 1].text) else passages[n - 1].text)
                 for n in generated.cited]
        renumber = {old: new for new, old in enumerate(generated.cited, 1)}
        text = re.sub(r"\[(\d+)\]", lambda m: f"[{renumber.get(int(m.group(1)), m.group(1))}]", generated.text.strip())
        for new, c in enumerate(cited, 1):
            c.n = new
        return Answer(question=question, answer=render([text], cited), citations=cited,
                      confidence=evidence.confidence, mode="llm", passages=passages)


# Citations in parentheses carry numbers too ("Điều 45 Luật THADS 2008"): they are not figures.
_FIGURE_FREE = re.compile(r"\([^)]*\)")


def _doc_freq(snap: Any, term: str) -> int:
    cache = snap.__dict__.setdefault("_df_cache", {})
    if term not in cache:
        index = snap.vocab[term]
        scores = snap.bm25.scores
        cache[term] = int(scores["indptr"][index + 1] - scores["indptr"][index])
    return cache[term]


def _sentences(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        line = line.strip().lstrip("-•+ ").strip()
        if len(line) < 12:
            continue
        out.extend(s.strip() for s in split_sentences(line) if len(s.strip()) >= 12)
    return out


def _with_list(text: str, sentence: str, limit: int = 450) -> str:
    """A sentence that introduces a list ('… trong các trường hợp sau:') brings its items along."""
    if not sentence.rstrip().endswith(":"):
        return sentence
    after = text[text.find(sentence) + len(sentence):] if sentence in text else ""
    items = []
    for line in after.split("\n"):
        line = line.strip()
        if not line:
            continue
        if not re.match(r"^([-•+]|\d+\.|[a-zđ]\))\s", line) or sum(map(len, items)) + len(line) > limit:
            break
        items.append(line)
    return sentence + ("\n" + "\n".join(items) if items else "")


def _clean_sentence(sentence: str) -> str:
    sentence = sentence.strip()
    return sentence if sentence.endswith((".", "!", "?", ";", ":", "…", ")")) else sentence + "."


def _citation(n: int, passage: SearchResult, quote: str) -> Citation:
    return Citation(n=n, title=passage.title, section=passage.section, quote=quote, doc_id=passage.doc_id,
                    in_force=passage.in_force, validity=validity_note(passage), chunk_id=passage.chunk_id)


def source_line(c: Citation) -> str:
    where = c.section if c.section and c.section not in c.title else ""
    label = f"{where} — {c.title}" if where and not where.startswith(c.title) else (where or c.title)
    prefix = "Văn bản hiện hành: " if c.current_text else ""
    return f"[{c.n}] {prefix}{label} ({c.validity})"


def render(lines: list[str], citations: list[Citation]) -> str:
    body = "\n".join(lines)
    outdated = [c for c in citations if c.in_force is False and not c.current_text]
    if outdated:
        body += "\n\nLưu ý: nguồn " + ", ".join(f"[{c.n}]" for c in outdated) + (
            " là văn bản đã hết hiệu lực; quy định hiện hành có thể khác — hãy kiểm tra với cơ quan thi hành án."
        )
    return body + "\n\nNguồn:\n" + "\n".join(source_line(c) for c in citations)


def abstention(question: str, confidence: float = 0.0) -> Answer:
    return Answer(question=question, answer=f"{NO_ANSWER}\n{NEXT_STEPS}", confidence=confidence,
                  abstained=True, mode="abstained")


def build_answerer(settings: "Settings", approved: Callable[[str], Answer | None] | None = None) -> ExtractiveAnswerer:
    """The answerer the CLI, API and bot use: extractive, with LLM generation when configured."""
    from retrieval.factory import open_searcher
    from retrieval.generation import build_generator

    return ExtractiveAnswerer(open_searcher(settings), generator=build_generator(settings), approved=approved)


