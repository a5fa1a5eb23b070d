"""A store damaged on purpose is detected on open and repaired, or rebuilt from the sources."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retrieval.factory import open_searcher, open_store
from retrieval.ingest import ingest
from retrieval.store import Catalog, IndexCorrupt
from thads.cli import app

DOC = """---
title: Yêu cầu thi hành án
kind: hướng dẫn
---
# Yêu cầu thi hành án

## Thời hiệu
Thời hiệu yêu cầu thi hành án là 05 năm kể từ ngày bản án có hiệu lực pháp luật.

## Phí
Người được thi hành án phải nộp phí thi hành án khi nhận tiền, tài sản.

## Khiếu nại
Đương sự có quyền khiếu nại quyết định của Chấp hành viên trong thời hạn 15 ngày.
"""
QUERY = "thời hiệu yêu cầu thi hành án"


def forget_chroma_clients() -> None:
    """What a new process sees: no Chroma system cached in memory for that path."""
    import chromadb.api.shared_system_client as shared

    shared.SharedSystemClient.clear_system_cache()


@pytest.fixture
def indexed(tmp_path: Path, make_settings):  # noqa: ANN001, ANN201
    src = tmp_path / "src"
    src.mkdir()
    (src / "yeu-cau.md").write_text(DOC, encoding="utf-8")
    settings = make_settings(tmp_path / "data")
    store = open_store(settings)
    report = ingest(store, [src])
    assert report.ok and store.problem() is None
    total = store.catalog.count_chunks()
    store.close()
    forget_chroma_clients()
    return settings, src, total


def assert_healthy(settings, total: int) -> None:  # noqa: ANN001
    store = open_store(settings)
    assert store.problem() is None
    assert store.catalog.count_chunks() == store.collection.count() == total
    store.close()
    hits = open_searcher(settings).search(QUERY, k=3)
    assert "05 năm" in hits[0].text


def test_killed_ingest_left_dirty_flag_is_repaired(indexed, caplog: pytest.LogCaptureFixture) -> None:  # noqa: ANN001
    settings, _, total = indexed
    store = open_store(settings)
    store.mark_dirty()  # what an ingest killed between its first write and mark_clean leaves
    assert store.problem() == "một lần ghi chỉ mục trước đó bị dừng giữa chừng"
    store.close()
    with caplog.at_level(logging.WARNING, logger="retrieval.factory"):
        searcher = open_searcher(settings)
    assert "dừng giữa chừng" in caplog.text and "Đã sửa xong" in caplog.text
    assert searcher.store.catalog.get_state("dirty") == "0"
    assert_healthy(settings, total)


def test_missing_chroma_rows_are_detected_and_refilled_without_embedding(indexed, caplog) -> None:  # noqa: ANN001
    settings, _, total = indexed
    store = open_store(settings)
    ids = store.collection.get(include=[])["ids"]
    store.collection.delete(ids=ids[:2])
    assert store.problem() == f"kho vector có {total - 2} đoạn, danh mục có {total}"
    vectors = store.catalog.db.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    store.close()
    with caplog.at_level(logging.WARNING, logger="retrieval.factory"):
        open_searcher(settings)
    assert f"có {total - 2} đoạn" in caplog.text
    store = open_store(settings)
    assert store.catalog.db.execute("SELECT count(*) FROM embeddings").fetchone()[0] == vectors  # from the cache
    store.close()
    assert_healthy(settings, total)


def test_deleted_chroma_directory_is_rebuilt(indexed, caplog) -> None:  # noqa: ANN001
    settings, _, total = indexed
    shutil.rmtree(settings.index_dir / "chroma")
    with caplog.at_level(logging.WARNING, logger="retrieval.factory"):
        open_searcher(settings)
    assert f"kho vector có 0 đoạn, danh mục có {total}" in caplog.text
    assert_healthy(settings, total)


def test_corrupt_chroma_files_are_rebuilt(indexed, caplog) -> None:  # noqa: ANN001
    settings, _, total = indexed
    chroma_db = settings.index_dir / "chroma" / "chroma.sqlite3"
    chroma_db.write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING, logger="retrieval.factory"):
        open_searcher(settings)
    assert "kho vector không mở được" in caplog.text
    assert_healthy(settings, total)


def test_missing_bm25_index_is_rebuilt(indexed) -> None:  # noqa: ANN001
    settings, _, total = indexed
    shutil.rmtree(settings.index_dir / "bm25")
    store = open_store(settings)
    assert store.problem() == "thiếu chỉ mục từ khóa (BM25)"
    store.close()
    open_searcher(settings)
    assert_healthy(settings, total)


def test_ingest_repairs_before_writing_and_says_so(indexed) -> None:  # noqa: ANN001
    settings, src, total = indexed
    shutil.rmtree(settings.index_dir / "chroma")
    result = CliRunner().invoke(app, ["ingest", str(src), "--data-dir", str(settings.data_dir)],
                                env={"THADS_EMBED_THREADS": "1"})
    assert result.exit_code == 0, result.output
    assert "Chỉ mục đã được sửa trước khi ghi: kho vector có 0 đoạn" in result.stderr
    assert "không đổi: 1" in result.stdout
    forget_chroma_clients()
    assert_healthy(settings, total)


def test_corrupt_catalog_raises_and_reindex_rebuilds_from_sources(indexed) -> None:  # noqa: ANN001
    settings, src, total = indexed
    catalog = settings.index_dir / "catalog.sqlite3"
    for suffix in ("-wal", "-shm"):
        Path(f"{catalog}{suffix}").unlink(missing_ok=True)
    catalog.write_bytes(b"SQLite format 3\x00" + b"\x13" * 4096)
    with pytest.raises(IndexCorrupt, match="thads reindex"):
        Catalog(catalog)
    with pytest.raises(IndexCorrupt):
        open_searcher(settings)

    result = CliRunner().invoke(app, ["reindex", str(src), "--data-dir", str(settings.data_dir)],
                                env={"THADS_EMBED_THREADS": "1"})
    assert result.exit_code == 0, result.output
    assert "bị hỏng" in result.stderr and "thads reindex" in result.stderr
    assert "Đã dựng lại: 1 tài liệu" in result.stdout
    forget_chroma_clients()
    assert_healthy(settings, total)
