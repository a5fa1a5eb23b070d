"""Intake throughput and latency over HTTP, SQLite and PostgreSQL side by side (not a test).

Starts `uvicorn api.app` in a separate process per backend (fresh database, migrations applied,
rate limits off), then drives POST /api/submissions from concurrent asyncio clients.

    .venv/bin/python bench/intake_bench.py [--requests 2000] [--concurrency 16] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from casework import consent  # noqa: E402
from casework.migrate import upgrade  # noqa: E402

PG_ADMIN = os.environ.get("THADS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SERVER = """
import os, uvicorn
uvicorn.run("api.app:app_from_env", factory=True, host="127.0.0.1", port=int(os.environ["PORT"]),
            log_level="warning", workers=int(os.environ["WORKERS"]))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def body(i: int) -> dict:
    return {"kind": "complaint", "content": f"Bản án số {i}/2024 đã có hiệu lực nhưng chưa được thi hành, đề nghị xem xét.",
            "case_number": f"{i}/QĐ-THADS", "contact": {"name": "Người thử tải", "telegram_chat_id": str(10_000 + i)},
            "consent": {"notice_version": consent.NOTICE_VERSION, "agreed": True}}


async def drive(url: str, total: int, concurrency: int) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        async def one_client() -> None:
            nonlocal errors
            for i in counter:
                t0 = time.perf_counter()
                resp = await client.post("/api/submissions", json=body(i), headers={"Idempotency-Key": f"bench-{uuid.uuid4()}"})
                latencies.append(time.perf_counter() - t0)
                errors += resp.status_code != 201

        start = time.perf_counter()
        await asyncio.gather(*[one_client() for _ in range(concurrency)])
        elapsed = time.perf_counter() - start
    return latencies, elapsed, errors


def start_server(db_url: str, data_dir: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "WORKERS": str(workers), "THADS_DATABASE_URL": db_url, "THADS_DATA_DIR": str(data_dir),
           "THADS_SECRET_KEY": "bench", "THADS_RATE_SUBMIT_PER_MINUTE": "0", "THADS_RATE_LOOKUP_PER_MINUTE": "0"}
    proc = subprocess.Popen([sys.executable, "-c", SERVER], env=env, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def run_backend(name: str, db_url: str, data_dir: Path, total: int, concurrency: int, workers: int) -> dict:
    upgrade(db_url)
    proc, url = start_server(db_url, data_dir, workers)
    try:
        asyncio.run(drive(url, 50, concurrency))  # warm-up: connections, caches, first inserts
        lat, elapsed, errors = asyncio.run(drive(url, total, concurrency))
    finally:
        proc.terminate()
        proc.wait(10)
    lat.sort()
    q = statistics.quantiles(lat, n=100)
    return {"backend": name, "n": total, "errors": errors, "rps": total / elapsed, "p50": q[49] * 1000, "p95": q[94] * 1000,
            "p99": q[98] * 1000}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(run_backend("SQLite (WAL, synchronous=FULL)", f"sqlite:///{tmp}/bench.db", Path(tmp), args.requests, args.concurrency, args.workers))
        import psycopg

        name = f"thads_bench_{uuid.uuid4().hex[:8]}"
        try:
            with psycopg.connect(PG_ADMIN, autocommit=True) as c:
                c.execute(f'CREATE DATABASE "{name}"')
        except psycopg.OperationalError as exc:
            print(f"PostgreSQL skipped: {exc}")
        else:
            try:
                pg_url = PG_ADMIN.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{name}"
                results.append(run_backend("PostgreSQL (psycopg 3)", pg_url, Path(tmp), args.requests, args.concurrency, args.workers))
            finally:
                with psycopg.connect(PG_ADMIN, autocommit=True) as c:
                    c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"\nIntake over HTTP: {args.requests} submissions, {args.concurrency} concurrent clients, {args.workers} uvicorn process(es), {os.cpu_count()} CPUs")
    print(f"{'backend':34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for r in results:
        print(f"{r['backend']:34} {r['rps']:8.1f} {r['p50']:8.1f} {r['p95']:8.1f} {r['p99']:8.1f} {r['errors']:7d}")


if __name__ == "__main__":
    main()
