"""Incremental ingest on real stores: bad files among good ones, unchanged/changed/pruned files, the lock."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from retrieval.ingest import ingest
from retrieval.store import IndexStore
from thads.cli import app


class CountingEmbedder:
    """The real embedder, counting the passages it is asked to embed."""

    def __init__(self, inner) -> None:  # noqa: ANN001
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.passages = 0

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += len(texts)
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


def guide(title: str, sections: dict[str, str]) -> str:
    body = "\n\n".join(f"## {heading}\n{text}" for heading, text in sections.items())
    return f"---\ntitle: {title}\nkind: hướng dẫn\nvalidity: in_force\n---\n# {title}\n\n{body}\n"


GUIDE_A = guide("Yêu cầu thi hành án", {
    "Thời hiệu": "Thời hiệu yêu cầu thi hành án là 05 năm kể từ ngày bản án, quyết định có hiệu lực pháp luật.",
    "Nộp đơn ở đâu": "Đơn nộp tại cơ quan thi hành án dân sự nơi đã xét xử sơ thẩm.",
})
GUIDE_B = guide("Khiếu nại về thi hành án", {
    "Thời hạn khiếu nại": "Thời hạn khiếu nại quyết định của Chấp hành viên là 15 ngày kể từ ngày nhận được quyết định.",
})


def chunk_ids(store: IndexStore) -> tuple[set[str], set[str], set[str]]:
    """The chunk ids of the catalog, of Chroma and of the BM25 index."""
    catalog = set(store.catalog.chunk_hashes())
    dense = set(store.collection.get(include=[])["ids"])
    keyword = set(json.loads((store.bm25_dir / "ids.json").read_text()))
    return catalog, dense, keyword


def assert_consistent(store: IndexStore) -> set[str]:
    catalog, dense, keyword = chunk_ids(store)
    assert catalog == dense == keyword
    assert store.problem() is None
    return catalog


@pytest.fixture
def counting(embedder) -> CountingEmbedder:  # noqa: ANN001
    return CountingEmbedder(embedder)


@pytest.fixture
def store(tmp_path: Path, counting: CountingEmbedder) -> IndexStore:
    store = IndexStore(tmp_path / "index", counting)
    yield store
    store.close()


def test_bad_files_do_not_stop_the_ingest(tmp_path: Path, write, store: IndexStore) -> None:
    write("a.md", GUIDE_A)
    write("b.txt", "Báo cáo\nNăm 2023 các cơ quan THADS thi hành xong 83,23% về việc.\n")
    bad = {
        write("bang.xlsx", b"PK\x03\x04"): "không được hỗ trợ",
        write("latin1.txt", "Báo cáo thi hành án.".encode("latin-1")): "UTF-8",
        write("hong.docx", b"PK\x03\x04 not a zip"): ".docx hỏng",
    }
    report = ingest(store, [tmp_path / "src"])
    assert sorted(report.ingested) == ["a", "b"]
    assert not report.ok
    failed = dict(report.failed)
    assert set(failed) == {str(p) for p in bad}
    for path, reason in bad.items():
        assert reason in failed[str(path)]
    assert_consistent(store)

    again = ingest(store, [tmp_path / "src"])
    assert sorted(again.unchanged) == ["a", "b"] and not again.ingested and len(again.failed) == 3


def test_cli_ingest_names_each_bad_file_and_exits_non_zero(tmp_path: Path, write) -> None:
    write("a.md", GUIDE_A)
    bad = write("[2024] hong.docx", b"PK\x03\x04 not a zip")  # brackets: not taken for console markup
    unsupported = write("anh.png", b"\x89PNG\r\n")
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "src"), "--data-dir", str(data_dir)],
                                env={"THADS_EMBED_THREADS": "1"})
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("LỖI")]
    assert len(errors) == 2
    assert any(str(bad) in line and ".docx hỏng" in line for line in errors)
    assert any(str(unsupported) in line and "không được hỗ trợ" in line for line in errors)
    assert "Đã đưa vào: 1 · không đổi: 0 · lỗi: 2" in result.stdout

    unsupported.unlink()
    bad.unlink()
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "src"), "--data-dir", str(data_dir)],
                                env={"THADS_EMBED_THREADS": "1"})
    assert result.exit_code == 0, result.output
    assert "không đổi: 1" in result.stdout


def test_unchanged_files_compute_no_embedding(tmp_path: Path, write, store: IndexStore, counting: CountingEmbedder) -> None:
    write("a.md", GUIDE_A)
    write("b.md", GUIDE_B)
    first = ingest(store, [tmp_path / "src"])
    assert first.embeddings_computed == counting.passages > 0
    ids = assert_consistent(store)
    generation = store.generation

    counting.passages = 0
    second = ingest(store, [tmp_path / "src"])
    assert sorted(second.unchanged) == ["a", "b"] and not second.ingested
    assert second.embeddings_computed == 0 and counting.passages == 0
    assert assert_consistent(store) == ids
    assert store.generation == generation  # nothing rewritten


def test_changed_file_replaces_its_chunks(tmp_path: Path, write, store: IndexStore, counting: CountingEmbedder) -> None:
    path = write("a.md", GUIDE_A)
    write("b.md", GUIDE_B)
    ingest(store, [tmp_path / "src"])
    before = {r.chunk_id: r.text for r in store.catalog.chunk_rows("a")}
    b_before = {r.chunk_id for r in store.catalog.chunk_rows("b")}

    path.write_text(GUIDE_A.replace("05 năm", "03 năm"), encoding="utf-8")
    counting.passages = 0
    report = ingest(store, [tmp_path / "src"])
    assert report.ingested == ["a"] and report.unchanged == ["b"]
    assert report.embeddings_computed == counting.passages == 1  # only the edited section is new

    after = {r.chunk_id: r.text for r in store.catalog.chunk_rows("a")}
    assert len(after) == len(before)
    assert not any("05 năm" in text for text in after.values())
    ids = assert_consistent(store)
    assert not (set(before) - set(after)) & ids  # the old chunk is gone everywhere
    assert b_before <= ids

    from retrieval.search import Searcher

    hits = Searcher(store).search("thời hiệu yêu cầu thi hành án", k=3)
    assert "03 năm" in hits[0].text
    assert all("05 năm" not in h.text for h in hits)


def test_prune_removes_deleted_files(tmp_path: Path, write, store: IndexStore) -> None:
    write("a.md", GUIDE_A)
    gone = write("b.md", GUIDE_B)
    ingest(store, [tmp_path / "src"])
    b_ids = {r.chunk_id for r in store.catalog.chunk_rows("b")}
    gone.unlink()

    kept = ingest(store, [tmp_path / "src"])
    assert not kept.removed and "b" in store.catalog.documents()

    pruned = ingest(store, [tmp_path / "src"], prune=True)
    assert pruned.removed == ["b"]
    assert "b" not in store.catalog.documents()
    ids = assert_consistent(store)
    assert ids and not (b_ids & ids)


def test_two_ingests_at_once_leave_a_consistent_store(tmp_path: Path, embedder, make_settings) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path / "data")
    sources = []
    for n, text in enumerate((GUIDE_A, GUIDE_B)):
        folder = tmp_path / f"src{n}"
        folder.mkdir()
        (folder / f"doc{n}.md").write_text(text, encoding="utf-8")
        sources.append(folder)
    errors: list[BaseException] = []
    reports = []

    def run(folder: Path) -> None:
        store = IndexStore(settings.index_dir, embedder)  # each writer opens its own store, as processes do
        try:
            reports.append(ingest(store, [folder]))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=run, args=(folder,)) for folder in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert sorted(d for r in reports for d in r.ingested) == ["doc0", "doc1"]
    store = IndexStore(settings.index_dir, embedder)
    assert set(store.catalog.documents()) == {"doc0", "doc1"}
    assert store.catalog.get_state("dirty") == "0"
    assert_consistent(store)
    assert store.generation == 2
    store.close()
