"""Structure-aware chunking of the client's seed reports and of the Pháp điển THADS topic."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from retrieval.chunking import MAX_CHARS, Chunk, chunk_document, split_long, split_sentences
from retrieval.documents import LoadedDocument, load_document, read_manifest

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "corpus" / "seeds"
PD_FILE = "corpus-ext/van-ban/thi-hanh-an/thi-hanh-an-dan-su.md"
RELATED_NOTE = re.compile(r"\(Điều này có nội dung liên quan[^\n]*")


def ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def seed(name: str) -> tuple[LoadedDocument, list[Chunk]]:
    doc = load_document(SEEDS / name, Path(name).stem, read_manifest(SEEDS)[name])
    return doc, chunk_document(doc)


def assert_spans_point_into_text(doc: LoadedDocument, chunks: list[Chunk]) -> None:
    """Each chunk's passage (without its repeated heading line) is read, in order, from doc.text[start:end]
    (noise lines inside the span, such as page furniture, may have been left out)."""
    for chunk in chunks:
        if not chunk.end:  # the document card is about metadata, not a span of the text
            continue
        assert 0 <= chunk.start < chunk.end <= len(doc.text)
        span = iter(RELATED_NOTE.sub(" ", doc.text[chunk.start : chunk.end]).split())
        body = chunk.text.split("\n", 1)[1] if chunk.text.startswith("Điều ") and "\n" in chunk.text else chunk.text
        words = body.split()
        assert all(word in span for word in words), (chunk.citation, body[:80])


@pytest.mark.parametrize("name", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_every_seed_chunks_within_size_with_valid_spans(name: str) -> None:
    doc, chunks = seed(name)
    assert len(chunks) >= 5
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert all(c.doc_id == doc.doc_id and c.title == doc.meta.title for c in chunks)
    assert all(0 < len(c.text) <= MAX_CHARS for c in chunks)
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert_spans_point_into_text(doc, chunks)


def test_report_keeps_numbered_headings_down_to_items() -> None:
    _, chunks = seed("000_ea24ca03b2dfee39.txt")
    sections = [c.section for c in chunks]
    assert "2. Một số tồn tại, hạn chế, nguyên nhân chủ yếu › a) Đối với cơ quan Tổng cục THADS › (1)" in sections
    assert any(s.startswith("3. Một số giải pháp khắc phục chủ yếu › 3.2. ") for s in sections)
    item = next(c for c in chunks if c.section.endswith("b) Đối với các Cục, Chi cục THADS › (7)"))
    assert item.text.startswith("(7) Tình trạng khiếu nại, tố cáo vượt cấp")
    assert item.heading_path == ["2. Một số tồn tại, hạn chế, nguyên nhân chủ yếu", "b) Đối với các Cục, Chi cục THADS"]
    assert item.citation == f"{item.title} — {item.section}"


def test_report_sub_numbered_headings() -> None:
    _, chunks = seed("002_800ccdd2ed46cf27.txt")
    assert any(c.section == "3. Phân công thực hiện nhiệm vụ › 3.1. Đối với Lãnh đạo Tổng cục" for c in chunks)


def test_mot_la_hai_la_items_are_labelled() -> None:
    _, chunks = seed("001_f11c3acb9b76e33e.txt")
    labelled = [c for c in chunks if c.text.startswith(("Một là", "Hai là", "Ba là"))]
    assert len(labelled) == 3
    for chunk in labelled:
        label = chunk.text.split(",")[0]  # "Một là"
        assert chunk.section.endswith(label), chunk.section
        assert not chunk.section.startswith(" ›")


def test_seed_with_author_gets_a_document_card() -> None:
    _, chunks = seed("001_f11c3acb9b76e33e.txt")
    card = chunks[-1]
    assert card.section == "Thông tin tài liệu" and "Nguyễn Thị Hiên" in card.text


# --- Pháp điển ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pd_text(shared_dir: Path) -> str:
    return (shared_dir / PD_FILE).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pd_slice_chunks(pd_text: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[LoadedDocument, list[Chunk]]:
    """Front matter and info table, Điều 30.2.TT.14.9 … Điều 30.2.LQ.46 and the same headings
    repeated by the trailing table of contents."""
    lines = pd_text.split("\n")
    head = "\n".join(lines[: lines.index("## VĂN BẢN") + 1])
    first = pd_text.index("Điều 30.2.TT.14.9. Giải quyết khiếu nại")
    body = pd_text[first : pd_text.index("Điều 30.2.LQ.47. ", first)]
    toc_start = pd_text.rindex("### 30002000000000003000044100000000000000000040255210062000110000802847000040000900")
    toc = pd_text[toc_start : pd_text.index("Điều 30.2.LQ.47. ", toc_start)]
    path = tmp_path_factory.mktemp("pd") / "thi-hanh-an-dan-su.md"
    path.write_text(f"{head}\n# Thi hành án dân sự\n\n{body}\n{toc}", encoding="utf-8")
    doc = load_document(path, "thi-hanh-an/thi-hanh-an-dan-su")
    return doc, chunk_document(doc)


def test_pd_citation_is_the_source_article(pd_slice_chunks) -> None:
    _, chunks = pd_slice_chunks
    article = [c for c in chunks if c.citation.endswith("Điều 45 Luật Thi hành án dân sự số 26/2008/QH12")]
    assert len(article) == 1
    chunk = article[0]
    assert chunk.citation == "Điều 45 Luật Thi hành án dân sự số 26/2008/QH12"
    assert chunk.text.startswith("Điều 45. Thời hạn tự nguyện thi hành án\n1. Thời hạn tự nguyện thi hành án là 10 ngày")
    assert chunk.extra["pd_id"] == "30.2.LQ.45"
    assert "30.2.LQ" not in chunk.citation and "30.2.LQ" not in chunk.text
    assert chunk.heading_path[-1] == "Điều 45. Thời hạn tự nguyện thi hành án"


def test_pd_validity_comes_from_the_instrument(pd_slice_chunks) -> None:
    _, chunks = pd_slice_chunks
    law = next(c for c in chunks if "Điều 46 Luật" in c.citation)
    assert law.validity == "not_in_force" and law.valid_to == "2026-07-01"
    assert law.replaced_by == "Luật Thi hành án dân sự số 106/2025/QH15"
    circular = next(c for c in chunks if "Thông tư số 04/2023/TT-BTP" in c.citation)
    assert circular.citation == "Điều 9 Thông tư số 04/2023/TT-BTP"


def test_pd_table_of_contents_and_noise_are_dropped(pd_slice_chunks) -> None:
    doc, chunks = pd_slice_chunks
    assert doc.text.count("Điều 30.2.LQ.45.") == 2  # the article and its table-of-contents repeat
    assert [c.section for c in chunks] == ["Điều 9", "Điều 45", "Điều 46"]
    for chunk in chunks:
        assert not re.search(r"\d{12,}", chunk.text), chunk.text[:80]
        assert "Điều này có nội dung liên quan" not in chunk.text
        assert "THÔNG TIN VĂN BẢN" not in chunk.text and "24/2017/QH14" not in chunk.text
    assert all(c.end < doc.text.index("### 3000") for c in chunks)
    assert_spans_point_into_text(doc, chunks)


@pytest.fixture(scope="module")
def pd_chunks(shared_dir: Path) -> tuple[LoadedDocument, list[Chunk]]:
    doc = load_document(shared_dir / PD_FILE, "thi-hanh-an/thi-hanh-an-dan-su")
    return doc, chunk_document(doc)


def test_pd_whole_topic_has_one_chunk_group_per_article_and_no_toc(pd_chunks) -> None:
    doc, chunks = pd_chunks
    toc_start = doc.text.index("\n### 3000")
    assert len(chunks) > 800
    assert all(c.end <= toc_start for c in chunks)
    assert not any(re.search(r"#+ *\d{12,}", c.text) for c in chunks)
    # Cited by source article, never by Pháp điển id (a contents-list repeat has no source note).
    assert not any(re.search(r"\d+\.\d+\.[A-ZĐ]{2}\.", c.citation) for c in chunks)
    assert all(c.extra.get("pd_id") for c in chunks)
    # Each article's chunks are one run: no second copy of an article further on.
    runs: dict[str, list[int]] = {}
    for c in chunks:
        runs.setdefault(c.extra["pd_id"], []).append(c.ordinal)
    for pd_id, ordinals in runs.items():
        assert ordinals == list(range(ordinals[0], ordinals[0] + len(ordinals))), pd_id


def test_pd_article_ids_with_letters_are_articles(pd_chunks) -> None:
    _, chunks = pd_chunks
    article = [c for c in chunks if c.extra["pd_id"] == "30.2.LQ.7a"]
    assert article and all("Điều 7a " in c.citation for c in article)
    assert not any("Điều 30.2.LQ.7a" in c.text for c in chunks)


def test_pd_long_paragraphs_split_at_sentences_with_overlap(pd_chunks) -> None:
    doc, chunks = pd_chunks
    pairs = [(a, b) for a, b in zip(chunks, chunks[1:]) if (a.start, a.end) == (b.start, b.end)]
    assert len(pairs) > 50, "the topic has many paragraphs longer than one chunk"
    overlapping = 0
    for a, b in pairs:
        assert a.citation == b.citation
        assert not re.search(r"(^|\n)\d{1,3}\.$", a.text), a.text[-40:]  # never cut after a clause number
        overlapping += split_sentences(a.text)[-1] in b.text
    assert overlapping >= 0.6 * len(pairs)  # the rest: one sentence already fills a window
    heading_room = max(len(c.heading_path[-1]) for c in chunks) + 1
    assert all(len(c.text) <= MAX_CHARS + heading_room for c in chunks)
    assert_spans_point_into_text(doc, chunks)


def test_split_long_windows_share_one_sentence() -> None:
    sentences = [f"Câu thứ {i} nói về thời hạn thi hành án và quyền của đương sự trong vụ việc." for i in range(40)]
    pieces = split_long(" ".join(sentences), max_chars=400)
    assert len(pieces) > 5
    assert all(len(p) <= 400 for p in pieces)
    for a, b in zip(pieces, pieces[1:]):
        assert b.startswith(split_sentences(a)[-1])
    assert " ".join(sentences) == " ".join(dict.fromkeys(s for p in pieces for s in split_sentences(p)))
