"""Structure-aware chunking: legal texts by Phần/Chương/Mục/Điều/Khoản/Điểm (Pháp điển ids mapped to the
source article), reports by their numbered headings, guides by Markdown headings. Noise is dropped."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

from retrieval.documents import LoadedDocument, instruments
from retrieval.textnorm import normalize

MAX_CHARS = 1100  # ~250 tokens: fits E5's 512-token window with the heading context
TARGET_CHARS = 700
LEGAL_KINDS = {"luật", "bộ luật", "nghị định", "thông tư", "thông tư liên tịch", "pháp lệnh", "nghị quyết", "quyết định"}


@dataclass
class Chunk:
    doc_id: str
    ordinal: int
    text: str
    title: str  # the document or instrument cited
    section: str  # "Khoản 1 Điều 45", "2. Một số tồn tại… › a)" or "Thời hạn …"
    citation: str
    heading_path: list[str]
    start: int
    end: int
    validity: str
    valid_from: str | None = None
    valid_to: str | None = None
    replaced_by: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def embed_text(self) -> str:
        """What the models see: the document and heading context, then the passage."""
        context = " › ".join([self.title, *self.heading_path])
        return normalize(f"{context}\n{self.text}")

    @property
    def chunk_hash(self) -> str:
        return hashlib.sha256(self.embed_text.encode()).hexdigest()

    @property
    def chunk_id(self) -> str:
        return hashlib.sha1(f"{self.doc_id}\x00{self.ordinal}\x00{self.chunk_hash}".encode()).hexdigest()[:20]


@dataclass
class _Line:
    text: str
    start: int
    end: int


# --- noise -----------------------------------------------------------------------------------

_TOC_ID = re.compile(r"^#{1,6}\s*\d{12,}\s*$")
_PAGE_NUMBER = re.compile(r"^(trang\s*)?\d{1,4}(\s*/\s*\d{1,4})?$", re.I)
_RELATED_NOTE = re.compile(r"^\(Điều này có nội dung liên quan", re.I)
_INLINE_NOTE = re.compile(r"\(Điều này có nội dung liên quan.*$")
_MD_MARK = re.compile(r"^#{1,6}\s+")
_SIGNATURE = re.compile(r"^(- )?(Người ký|\. ?Email|Email|Thời gian ký)\s*:", re.I)


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            offset = raw.find(stripped)
            out.append(_Line(stripped, pos + offset, pos + offset + len(stripped)))
        pos += len(raw) + 1
    return out


def drop_noise(lines: list[_Line]) -> list[_Line]:
    """Table-of-contents ids, page numbers, signature stamps, related-article notes and page furniture
    (short lines repeated on many pages of an OCR'd file)."""
    counts = Counter(line.text for line in lines if len(line.text) < 80)
    kept = []
    for line in lines:
        text = _INLINE_NOTE.sub("", line.text).strip()
        bare = _MD_MARK.sub("", text)
        if bare != text and _is_structural(bare):
            text = bare  # '### Điều 7. …' in converted files: the structure, not a Markdown outline
        if not text or text in {"#", "#.", "##"}:
            continue
        line = _Line(text, line.start, line.end)
        if _TOC_ID.match(text) or _PAGE_NUMBER.match(text) or _RELATED_NOTE.match(text) or _SIGNATURE.match(text):
            continue
        if counts[line.text] >= 4 and not _is_structural(text) and not _ITEM.match(text):  # "a) Màu sắc …;" repeats legitimately
            continue
        kept.append(line)
    return kept


def _is_structural(text: str) -> bool:
    return bool(_ARTICLE.match(text) or _CHAPTER.match(text) or _PART.match(text) or _SECTION.match(text))


# --- sentences -------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9])")
_ENDS_WITH_LABEL = re.compile(r"(?:^|\n)\s*(?:\d{1,3}(?:\.\d{1,3})*|[IVXLC]+)\.$")  # "…\n2." opens a clause


def split_sentences(text: str) -> list[str]:
    """Sentence boundaries outside parentheses ('(Điều 60 Luật THADS 2008. …)' stays whole)."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        piece = text[start : match.start()]
        if piece.count("(") > piece.count(")") or _ENDS_WITH_LABEL.search(piece):
            continue
        out.append(piece)
        start = match.end()
    out.append(text[start:])
    return [s for s in out if s.strip()]


def pack(pieces: list[str], max_chars: int = MAX_CHARS, overlap: int = 1, sep: str = " ") -> list[str]:
    """Greedy windows of pieces under max_chars; consecutive windows share `overlap` pieces."""
    windows: list[str] = []
    current: list[str] = []
    for piece in pieces:
        if current and len(sep.join(current + [piece])) > max_chars:
            windows.append(sep.join(current))
            current = current[-overlap:] if overlap and len(sep.join(current[-overlap:] + [piece])) <= max_chars else []
        current.append(piece)
    if current:
        windows.append(sep.join(current))
    return windows


def split_long(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """A paragraph too long for one chunk, cut at sentence boundaries with one sentence of overlap."""
    if len(text) <= max_chars:
        return [text]
    return pack([part for s in split_sentences(text) for part in _split_clauses(s, max_chars)], max_chars=max_chars)


def _split_clauses(sentence: str, max_chars: int, seps: tuple[str, ...] = ("\n", "; ", ", ", " ")) -> list[str]:
    """A 'sentence' longer than a chunk (enumerations run on with ';' and line breaks): cut at line
    breaks, then ';', then ',', then spaces, so no chunk outgrows the embedder's window."""
    if len(sentence) <= max_chars or not seps:
        return [sentence]
    sep, finer = seps[0], seps[1:]
    parts = sentence.split(sep)
    if len(parts) == 1:
        return _split_clauses(sentence, max_chars, finer)
    pieces = [p + sep.rstrip() for p in parts[:-1]] + [parts[-1]]
    return pack([q for p in pieces for q in _split_clauses(p, max_chars, finer)], max_chars=max_chars,
                overlap=0, sep="\n" if sep == "\n" else " ")


def _join_lines(lines: list[str]) -> str:
    """Join lines, mending OCR line breaks inside a sentence (next line starts lower-case)."""
    out = ""
    for line in lines:
        if out and (line[:1].islower() or not re.search(r"[.:;!?)\]]$", out)) and not _ITEM.match(line):
            out += " " + line
        else:
            out += ("\n" if out else "") + line
    return out


# --- legal texts -----------------------------------------------------------------------------

_PART = re.compile(r"^(PHẦN|Phần)\s+(THỨ\s+\S+|thứ\s+\S+|[IVXLC]+|\d+)\b\.?\s*(.*)$")
_CHAPTER = re.compile(r"^(CHƯƠNG|Chương)\s+(\S{1,6})\s*$|^(CHƯƠNG|Chương)\s+([IVXLC]+|\d+)[.:]?\s+(.*)$")
_SECTION = re.compile(r"^(MỤC|Mục)\s+(\d+)\.?\s*(.*)$")
_ARTICLE = re.compile(r"^Điều\s+((\d+)\.(\d+)\.([A-ZĐ]{2})\.(\d+[a-zđ]?(?:\.\d+[a-zđ]?)*)|(\d+[a-zđ]?))\.?\s+(.*)$")
_SOURCE_NOTE = re.compile(
    r"^\(Điều\s+(\d+[a-zđ]?)\s+(Luật|Bộ luật|Nghị định|Thông tư liên tịch|Thông tư|Pháp lệnh|Nghị quyết|Quyết định)"
    r"\s+số\s+([0-9]+/[0-9]{4}/[A-ZĐ0-9-]+)"
)
_CLAUSE = re.compile(r"^(\d{1,3})\.\s+\S")
_POINT = re.compile(r"^([a-zđ])\)\s+\S")
_ITEM = re.compile(r"^(\d{1,3}\.|[a-zđ]\)|\(\d+\)|-|\+|•)\s")


@dataclass
class _Article:
    number: str
    title: str
    heading_path: list[str]
    body: list[_Line] = field(default_factory=list)
    instrument: str | None = None  # e.g. "26/2008/QH12", from the Pháp điển source note
    instrument_type: str | None = None
    source_article: str | None = None


def _article_number_ok(number: str, last: int) -> bool:
    """OCR'd texts break cross-references onto new lines ('Điều 34. của Luật…'): accept only the next few."""
    digits = int(re.match(r"\d+", number).group())
    return last == 0 or last < digits <= last + 3  # an excerpt may start at any article


def parse_articles(lines: list[_Line]) -> list[_Article]:
    articles: list[_Article] = []
    path: dict[str, str] = {}
    current: _Article | None = None
    last_number = 0
    pending_chapter_title = False
    for line in lines:
        text = line.text
        if _PART.match(text):
            path = {"part": text}
            current, pending_chapter_title = None, False
            continue
        chapter = _CHAPTER.match(text)
        if chapter:
            path = {k: v for k, v in path.items() if k == "part"} | {"chapter": text}
            current, pending_chapter_title = None, chapter.group(2) is not None
            continue
        if pending_chapter_title and current is None and text.isupper():
            path["chapter"] += " " + text
            pending_chapter_title = False
            continue
        section = _SECTION.match(text)
        if section and current is None or (section and text[:3] == "MỤC"):
            path = {k: v for k, v in path.items() if k in ("part", "chapter")} | {"section": text}
            current = None
            continue
        article = _ARTICLE.match(text)
        if article and (article.group(2) or _article_number_ok(article.group(6), last_number)):
            pending_chapter_title = False
            number = article.group(1)
            if article.group(6):
                last_number = int(re.match(r"\d+", number).group())
            current = _Article(number=number, title=article.group(7).strip(), heading_path=list(path.values()))
            articles.append(current)
            continue
        if current is None:
            continue
        note = _SOURCE_NOTE.match(text)
        if note and not current.body and current.instrument is None:
            current.source_article, current.instrument_type, current.instrument = note.group(1), note.group(2), note.group(3)
            continue
        if text.startswith("(Điều ") and not current.body and current.instrument is not None:
            continue  # further source notes (amendments) of the same article
        current.body.append(line)
    # A heading with no body is a table-of-contents repeat; so is a Pháp điển id without its source note
    # (every article of the code names its source; the trailing contents list never does).
    return [a for a in articles if a.body and (a.instrument or not _ARTICLE.match(f"Điều {a.number} x").group(2))]


def _units(body: list[_Line]) -> list[tuple[str | None, list[_Line]]]:
    """Group an article's lines into clauses (khoản); lines before the first clause form a preamble."""
    units: list[tuple[str | None, list[_Line]]] = []
    last = 0
    for line in body:
        clause = _CLAUSE.match(line.text)
        # Only the next number opens a clause: a list numbered from 1 inside a clause stays in it.
        if clause and int(clause.group(1)) == last + 1:
            last += 1
            units.append((clause.group(1), [line]))
        elif not units:
            units.append((None, [line]))
        else:
            units[-1][1].append(line)
    return units


def _clause_label(numbers: list[str]) -> str:
    numbers = [n for n in numbers if n]
    if not numbers:
        return ""
    return f"Khoản {numbers[0]}" if len(numbers) == 1 else f"Khoản {numbers[0]}–{numbers[-1]}"


def _instrument_info(doc: LoadedDocument, article: _Article) -> dict[str, str | None]:
    number = article.instrument or doc.meta.number
    known = instruments().get(number or "", {})
    kind = article.instrument_type or (doc.meta.kind.capitalize() if doc.meta.kind in LEGAL_KINDS else None)
    name = known.get("name") or kind or doc.meta.title
    if known:
        return {
            "title": f"{name} số {number}",
            "validity": known.get("validity", "unknown"),
            "valid_from": known.get("valid_from"),
            "valid_to": known.get("valid_to"),
            "replaced_by": known.get("replaced_by"),
        }
    title = f"{name} số {number}" if number else doc.meta.title
    return {"title": title, "validity": doc.meta.validity, "valid_from": doc.meta.valid_from,
            "valid_to": doc.meta.valid_to, "replaced_by": None}


def chunk_legal(doc: LoadedDocument, lines: list[_Line]) -> list[Chunk]:
    chunks: list[Chunk] = []
    for article in parse_articles(lines):
        info = _instrument_info(doc, article)
        shown_number = article.source_article or article.number
        article_label = f"Điều {shown_number}"
        heading = f"{article_label}. {article.title}"
        units = _units(article.body)
        groups: list[list[tuple[str | None, list[_Line]]]] = [[]]
        for unit in units:
            size = sum(len(_join_lines([ln.text for ln in u[1]])) for u in groups[-1])
            if groups[-1] and size + len(_join_lines([ln.text for ln in unit[1]])) > MAX_CHARS:
                groups.append([])
            groups[-1].append(unit)
        whole = len(groups) == 1
        for group in groups:
            label = article_label if whole else f"{_clause_label([n for n, _ in group])} {article_label}".strip()
            group_lines = [ln for _, unit_lines in group for ln in unit_lines]
            body_text = _join_lines([ln.text for ln in group_lines])
            for piece in split_long(body_text):
                text = f"{heading}\n{piece}" if whole else piece
                chunks.append(Chunk(
                    doc_id=doc.doc_id, ordinal=len(chunks), text=text, title=info["title"] or doc.meta.title,
                    section=label, citation=f"{label} {info['title']}", heading_path=[*article.heading_path, heading],
                    start=group_lines[0].start, end=group_lines[-1].end, validity=info["validity"] or "unknown",
                    valid_from=info["valid_from"], valid_to=info["valid_to"], replaced_by=info["replaced_by"],
                    extra=({"pd_id": article.number} if article.source_article else {})
                    | ({"kind": article.instrument_type.lower()} if article.instrument_type else {}),
                ))
    return chunks


# --- reports and guides ----------------------------------------------------------------------

_REPORT_HEADINGS = [
    (0, re.compile(r"^([IVXLC]+)\.\s+\S")),
    (1, re.compile(r"^(\d+)\.\s+\S")),
    (2, re.compile(r"^(\d+\.\d+)\.?\s+\S")),
    (3, re.compile(r"^(\d+\.\d+\.\d+)\.?\s+\S")),
    (4, re.compile(r"^([a-zđ])\)\s+\S")),
    (5, re.compile(r"^\((\d+)\)\s+\S")),
    (5, re.compile(r"^((Một|Hai|Ba|Bốn|Năm|Sáu|Bảy|Tám|Chín|Mười) là)[,:]?\s")),
]
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def _report_level(text: str) -> int | None:
    for level, pattern in _REPORT_HEADINGS:
        if pattern.match(text):
            return level
    return None


def _section_label(path: list[tuple[int, str]]) -> str:
    return " › ".join(_short(t) for _, t in path)


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def chunk_outline(doc: LoadedDocument, lines: list[_Line], markdown: bool) -> list[Chunk]:
    """Reports (numbered headings; long numbered items are content) and Markdown guides."""
    chunks: list[Chunk] = []
    path: list[tuple[int, str]] = []
    buffer: list[_Line] = []
    item_label: list[str] = []

    def flush() -> None:
        if not buffer:
            return
        paragraphs = [ln.text for ln in buffer]
        section = " › ".join(part for part in (_section_label(path), ", ".join(item_label)) if part)
        for piece in pack([p for para in paragraphs for p in split_long(para)], max_chars=TARGET_CHARS, overlap=0, sep="\n"):
            chunks.append(Chunk(
                doc_id=doc.doc_id, ordinal=len(chunks), text=piece, title=doc.meta.title,
                section=section or doc.meta.title, citation=f"{doc.meta.title} — {section}" if section else doc.meta.title,
                heading_path=[t for _, t in path], start=buffer[0].start, end=buffer[-1].end,
                validity=doc.meta.validity, valid_from=doc.meta.valid_from, valid_to=doc.meta.valid_to,
            ))
        buffer.clear()
        item_label.clear()

    for line in lines:
        text = line.text
        md = _MD_HEADING.match(text) if markdown else None
        level = (len(md.group(1)) - 1) if md else (None if markdown else _report_level(text))
        is_heading = md is not None or (level is not None and len(text) <= 160 and not text.endswith((";", ".")))
        if level == 0 and markdown and md:
            flush()
            continue  # the document title itself: already the chunk title
        if is_heading:
            flush()
            heading_text = md.group(2).strip() if md else text
            path = [(lv, t) for lv, t in path if lv < level] + [(level, heading_text)]
            continue
        if level is not None and not markdown:
            # A long numbered item: its own chunk, cited by its label.
            flush()
            enumerated = _REPORT_HEADINGS[-1][1].match(text)  # "Một là, …" is labelled "Một là"
            item_label.append(enumerated.group(1) if enumerated else text.split()[0])
        if buffer and sum(len(b.text) for b in buffer) + len(text) > TARGET_CHARS:
            labels = list(item_label)
            flush()
            item_label.extend(labels)
        buffer.append(line)
    flush()
    return chunks


# --- entry point -----------------------------------------------------------------------------

def is_legal(doc: LoadedDocument, lines: list[_Line]) -> bool:
    if doc.meta.kind in LEGAL_KINDS:
        return True
    return sum(1 for ln in lines[:4000] if _ARTICLE.match(ln.text)) >= 3


_CARD_FIELDS = (("Tác giả", "author"), ("Cơ quan ban hành", "issuer"), ("Ngày", "date"), ("Thời kỳ", "period"),
                ("Loại tài liệu", "kind"), ("Tóm tắt", "summary"))
CARD_SECTION = "Thông tin tài liệu"


def document_card(doc: LoadedDocument, ordinal: int) -> Chunk | None:
    """A passage about the document itself (who wrote it, when, what it covers), so questions such as
    'ai viết bài …' find an answer that only the metadata holds."""
    values = {"issuer": doc.meta.issuer, "date": doc.meta.date, "kind": doc.meta.kind, **doc.meta.extra}
    article = doc.meta.kind in ("bài viết", "tin tức")
    lines = [f"{'Người viết bài' if key == 'author' and article else label}: {values[key]}"
             for label, key in _CARD_FIELDS if values.get(key) and values[key] != "khác"]
    if not any(values.get(k) for k in ("author", "summary")):
        return None
    return Chunk(
        doc_id=doc.doc_id, ordinal=ordinal, text="\n".join([doc.meta.title, *lines]), title=doc.meta.title,
        section=CARD_SECTION, citation=f"{doc.meta.title} — {CARD_SECTION}", heading_path=[CARD_SECTION],
        start=0, end=0, validity=doc.meta.validity, valid_from=doc.meta.valid_from, valid_to=doc.meta.valid_to,
    )


def chunk_document(doc: LoadedDocument) -> list[Chunk]:
    lines = drop_noise(_lines(doc.text))
    chunks: list[Chunk] = []
    if is_legal(doc, lines):
        chunks = chunk_legal(doc, lines)
    if not chunks:
        chunks = chunk_outline(doc, lines, markdown=doc.has_markdown_headings)
        card = document_card(doc, len(chunks))
        chunks += [card] if card else []
    return chunks
