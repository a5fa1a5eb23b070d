"""Mixed load on the public API (not a test): concurrent asyncio clients ask questions (POST /api/ask),
file submissions (POST /api/submissions) and look up status (POST /api/submissions/status) for a fixed
duration, then report requests, failure rate (goal < 1%) and p50/p95/p99 latency per route.

Without --url it starts its own `thads serve` (rate limits off) on a data dir that has an index: pass
--data-dir with one, or the bundled corpus is ingested into a temporary one first.

    .venv/bin/python bench/load_bench.py [--duration 120] [--clients 12] [--mix ask=1,submit=1,status=2]
                                         [--workers 1] [--database-url URL] [--chroma HOST:PORT]
                                         [--data-dir DIR] [--url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent

QUESTIONS = [
    "Thời hạn tự nguyện thi hành án là bao nhiêu ngày?",
    "Thủ tục yêu cầu thi hành án gồm những giấy tờ gì?",
    "Phí thi hành án dân sự được tính như thế nào?",
    "Khi nào cơ quan thi hành án được cưỡng chế?",
    "Tôi muốn khiếu nại quyết định của chấp hành viên thì làm thế nào?",
    "Thời hiệu yêu cầu thi hành án là bao lâu?",
    "Xác minh điều kiện thi hành án được thực hiện ra sao?",
    "Tài sản kê biên được định giá và bán đấu giá như thế nào?",
    "Khi nào thi hành án bị hoãn hoặc tạm đình chỉ?",
    "Tố cáo cán bộ thi hành án gửi ở đâu?",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def submission(i: int, consent: str) -> dict:
    return {"kind": random.choice(["complaint", "feedback", "recommendation"]),
            "content": f"Đơn thử tải số {i}: đề nghị cơ quan thi hành án xem xét việc chậm thi hành bản án.",
            "contact": {"name": f"Người thử {i}", "telegram_chat_id": str(30_000 + i)},
            "consent": {"notice_version": consent, "agreed": True}}


class Stats:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = {}
        self.failures: dict[str, dict[str, int]] = {}

    def record(self, route: str, seconds: float, failure: str | None) -> None:
        self.latency.setdefault(route, []).append(seconds)
        if failure:
            bucket = self.failures.setdefault(route, {})
            bucket[failure] = bucket.get(failure, 0) + 1

    def table(self, duration: float) -> list[dict]:
        rows = []
        for route in sorted(self.latency):
            lat = self.latency[route]
            failed = sum(self.failures.get(route, {}).values())
            rows.append({"route": route, "requests": len(lat), "failures": failed,
                         "failure_pct": round(100 * failed / len(lat), 3), "rps": round(len(lat) / duration, 1),
                         "p50_ms": round(1000 * percentile(lat, 50), 1), "p95_ms": round(1000 * percentile(lat, 95), 1),
                         "p99_ms": round(1000 * percentile(lat, 99), 1), "max_ms": round(1000 * max(lat), 1),
                         "failure_kinds": self.failures.get(route, {})})
        return rows


async def run_load(url: str, duration: float, clients: int, mix: dict[str, int], seed: int) -> tuple[Stats, float]:
    rng = random.Random(seed)
    stats = Stats()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        consent = (await http.get("/api/consent-notice")).json()["version"]
        known: list[tuple[str, str]] = []
        for i in range(10):  # something to look up from the first second (not counted)
            r = await http.post("/api/submissions", json=submission(i, consent), headers={"Idempotency-Key": uuid.uuid4().hex})
            r.raise_for_status()
            known.append((r.json()["code"], r.json()["secret"]))
        routes = [r for r, w in mix.items() for _ in range(w)]
        counter = iter(range(10, 10**9))
        deadline = time.perf_counter() + duration

        async def one() -> None:
            while time.perf_counter() < deadline:
                route = rng.choice(routes)
                if route == "ask":
                    call = http.post("/api/ask", json={"question": rng.choice(QUESTIONS)})
                elif route == "submit":
                    call = http.post("/api/submissions", json=submission(next(counter), consent),
                                     headers={"Idempotency-Key": uuid.uuid4().hex})
                else:
                    code, secret = rng.choice(known)
                    call = http.post("/api/submissions/status", json={"code": code, "secret": secret})
                t0 = time.perf_counter()
                failure = None
                try:
                    resp = await call
                    if resp.status_code >= 300:
                        failure = str(resp.status_code)
                    elif route == "submit":
                        known.append((resp.json()["code"], resp.json()["secret"]))
                except httpx.HTTPError as exc:
                    failure = type(exc).__name__
                stats.record(route, time.perf_counter() - t0, failure)

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(clients)))
        return stats, time.perf_counter() - started


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen, str, Path]:
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="thads-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("THADS_")}
    port = free_port()
    env.update(THADS_DATA_DIR=str(data_dir), THADS_API_PORT=str(port), THADS_WORKERS=str(args.workers),
               THADS_SECRET_KEY="load-bench", THADS_DEFAULT_OFFICE="THADS TP Hà Nội", THADS_RATE_SUBMIT_PER_MINUTE="0",
               THADS_RATE_LOOKUP_PER_MINUTE="0", THADS_RATE_LOGIN_PER_MINUTE="0", ANONYMIZED_TELEMETRY="False",
               OMP_NUM_THREADS="1", THADS_EMBED_THREADS="1")
    if args.database_url:
        env["THADS_DATABASE_URL"] = args.database_url
    if args.chroma:
        env["THADS_CHROMA_HOST"], env["THADS_CHROMA_PORT"] = args.chroma.rsplit(":", 1)
    log = data_dir / "load-serve.log"
    if not (data_dir / "index" / "catalog.sqlite3").exists():
        print(f"ingesting corpus/ into {data_dir} …", flush=True)
        subprocess.run([sys.executable, "-m", "thads.cli", "ingest"], env=env, cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL)
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "thads.cli", "serve"], env=env, cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited; see {log}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                # Warm up: the first question loads the embedder in each worker process.
                for _ in range(args.workers * 2):
                    httpx.post(f"{url}/api/ask", json={"question": QUESTIONS[0]}, timeout=120)
                return proc, url, log
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server did not become ready; see {log}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=120.0, help="Seconds of load (default 120).")
    parser.add_argument("--clients", type=int, default=12, help="Concurrent clients.")
    parser.add_argument("--mix", default="ask=1,submit=1,status=2", help="Relative weights of the routes.")
    parser.add_argument("--url", help="Load an already running server (its rate limits must be off).")
    parser.add_argument("--data-dir", type=Path, help="Data dir with an index, for the server this script starts.")
    parser.add_argument("--database-url", help="THADS_DATABASE_URL for the server this script starts.")
    parser.add_argument("--workers", type=int, default=1, help="THADS_WORKERS for the server this script starts.")
    parser.add_argument("--chroma", metavar="HOST:PORT", help="Chroma server the index was ingested into.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args()
    mix = {k: int(v) for k, v in (part.split("=") for part in args.mix.split(","))}
    proc = None
    url = args.url
    if not url:
        proc, url, _ = start_server(args)
    try:
        stats, elapsed = asyncio.run(run_load(url, args.duration, args.clients, mix, args.seed))
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    rows = stats.table(elapsed)
    total = sum(r["requests"] for r in rows)
    failed = sum(r["failures"] for r in rows)
    print(f"\nload bench: {args.clients} clients, {elapsed:.0f} s, workers={args.workers}, "
          f"database={'PostgreSQL' if (args.database_url or '').startswith('postgresql') else 'SQLite'}, "
          f"chroma={'server ' + args.chroma if args.chroma else 'embedded'}")
    print(f"{'route':<8} {'requests':>9} {'fail':>6} {'fail %':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for r in rows:
        print(f"{r['route']:<8} {r['requests']:>9} {r['failures']:>6} {r['failure_pct']:>7} {r['rps']:>7} "
              f"{r['p50_ms']:>8} {r['p95_ms']:>8} {r['p99_ms']:>8} {r['max_ms']:>8}"
              + (f"  {r['failure_kinds']}" if r["failure_kinds"] else ""))
    rate = 100 * failed / max(total, 1)
    print(f"{'total':<8} {total:>9} {failed:>6} {round(rate, 3):>7} {round(total / elapsed, 1):>7}   "
          f"goal < 1% failures: {'met' if rate < 1 else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps({"clients": args.clients, "seconds": round(elapsed, 1), "workers": args.workers,
                                         "routes": rows, "failure_pct": round(rate, 3)}, ensure_ascii=False, indent=2))
    sys.exit(0 if rate < 1 else 1)


if __name__ == "__main__":
    main()
