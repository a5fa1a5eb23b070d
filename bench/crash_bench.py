"""Crash safety of intake (not a test): `thads serve` is killed with SIGKILL at random moments while a
client files submissions; after every kill the server is restarted and the client retries whatever was
not acknowledged, with the same Idempotency-Key. At the end every acknowledged tracking code must exist
exactly once, with the code the client was given, and the database must pass its integrity checks.

    .venv/bin/python bench/crash_bench.py [--backend sqlite|postgres] [--submissions 1000] [--kills 6]
                                          [--concurrency 8] [--seed N] [--json out.json]
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
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PG_ADMIN = os.environ.get("THADS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def body(i: int, consent_version: str) -> dict:
    return {"kind": "complaint", "content": f"Khiếu nại thử nghiệm số {i}: quyết định kê biên chưa được thông báo.",
            "case_number": f"{i}/QĐ-CCTHADS", "contact": {"name": f"Người thử {i}", "telegram_chat_id": str(20_000 + i)},
            "consent": {"notice_version": consent_version, "agreed": True}}


class Server:
    """`thads serve` in its own process group, so SIGKILL takes all of it down at once."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.port = int(env["THADS_API_PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.restart_seconds: list[float] = []

    def start(self) -> None:
        t0 = time.perf_counter()
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "thads.cli", "serve"], env=self.env, cwd=REPO, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}; see {self.log}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    self.restart_seconds.append(time.perf_counter() - t0)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise SystemExit(f"server did not start; see {self.log}")

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@dataclass
class Tally:
    acked: dict[str, tuple[str, bool]] = field(default_factory=dict)  # key -> (code, created)
    attempts: int = 0
    transport_errors: int = 0  # connection refused/reset while the server was down or dying
    server_errors: int = 0  # 5xx answers
    other: dict[int, int] = field(default_factory=dict)
    replays_after_crash: int = 0  # a retry found the item already committed (created=False)
    retried: set[str] = field(default_factory=set)


async def client_loop(server: Server, pending: asyncio.Queue, bodies: dict[str, dict], tally: Tally,
                      up: asyncio.Event, concurrency: int) -> None:
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as http:
        async def worker() -> None:
            while True:
                try:
                    key = pending.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await up.wait()
                tally.attempts += 1
                retried = key in tally.retried
                try:
                    resp = await http.post(f"{server.url}/api/submissions", json=bodies[key], headers={"Idempotency-Key": key})
                except httpx.HTTPError:
                    tally.transport_errors += 1
                    tally.retried.add(key)
                    pending.put_nowait(key)  # not acknowledged: retry later with the same key
                    await asyncio.sleep(0.05)
                    continue
                if resp.status_code in (200, 201):
                    data = resp.json()
                    if key in tally.acked:
                        raise SystemExit(f"{key} acknowledged twice")
                    tally.acked[key] = (data["code"], data["created"])
                    if retried and not data["created"]:
                        tally.replays_after_crash += 1
                    continue
                if resp.status_code >= 500:
                    tally.server_errors += 1
                else:
                    tally.other[resp.status_code] = tally.other.get(resp.status_code, 0) + 1
                tally.retried.add(key)
                pending.put_nowait(key)
                await asyncio.sleep(0.05)

        await asyncio.gather(*(worker() for _ in range(concurrency)))


async def killer(server: Server, tally: Tally, up: asyncio.Event, total: int, kills: int, rng: random.Random,
                 log: list[dict]) -> None:
    """Kill -9 when the acknowledged count passes random thresholds, plus a random delay (mid-request)."""
    thresholds = sorted(rng.sample(range(total // 20, total - total // 20), kills))
    for threshold in thresholds:
        while len(tally.acked) < threshold:
            await asyncio.sleep(0.005)
        await asyncio.sleep(rng.uniform(0, 0.05))
        at = len(tally.acked)
        server.kill9()
        up.clear()
        await asyncio.sleep(rng.uniform(0, 0.3))
        await asyncio.to_thread(server.start)
        log.append({"acked_at_kill": at, "restart_s": round(server.restart_seconds[-1], 2)})
        up.set()


def verify(url: str, backend: str, tally: Tally, run: str) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    out: dict = {}
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT idempotency_key, code FROM submissions WHERE idempotency_key LIKE :k"),
                                {"k": f"{run}-%"}).all()
            by_key = {k: c for k, c in rows}
            out["rows"] = len(rows)
            out["distinct_codes"] = len({c for _, c in rows})
            out["acked_missing"] = sum(1 for k, (code, _) in tally.acked.items() if by_key.get(k) != code)
            out["rows_not_acked"] = len(set(by_key) - set(tally.acked))
            per_item = conn.execute(text(
                "SELECT s.id, (SELECT count(*) FROM audit_events a WHERE a.submission_id = s.id AND a.action = 'received'),"
                " (SELECT count(*) FROM outbox o WHERE o.submission_id = s.id AND o.event = 'received'),"
                " (SELECT count(*) FROM consents c WHERE c.submission_id = s.id)"
                " FROM submissions s WHERE s.idempotency_key LIKE :k"), {"k": f"{run}-%"}).all()
            out["items_without_exactly_one_audit_outbox_consent"] = sum(1 for _, a, o, c in per_item if (a, o, c) != (1, 1, 1))
            if backend == "sqlite":
                out["integrity_check"] = conn.execute(text("PRAGMA integrity_check")).scalar()
                out["foreign_key_violations"] = len(conn.execute(text("PRAGMA foreign_key_check")).all())
            else:
                out["integrity_check"] = "n/a (PostgreSQL: constraints enforced by the server)"
                out["foreign_key_violations"] = conn.execute(text(
                    "SELECT (SELECT count(*) FROM audit_events a LEFT JOIN submissions s ON s.id = a.submission_id"
                    "        WHERE a.submission_id IS NOT NULL AND s.id IS NULL)"
                    "     + (SELECT count(*) FROM outbox o LEFT JOIN submissions s ON s.id = o.submission_id"
                    "        WHERE o.submission_id IS NOT NULL AND s.id IS NULL)")).scalar()
                out["invalid_constraints"] = conn.execute(text(
                    "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
                    " WHERE n.nspname = 'public' AND NOT c.convalidated")).scalar()
                out["duplicate_keys"] = conn.execute(text(
                    "SELECT count(*) FROM (SELECT idempotency_key FROM submissions WHERE idempotency_key IS NOT NULL"
                    " GROUP BY 1 HAVING count(*) > 1) d")).scalar()
    finally:
        engine.dispose()
    return out


async def run_bench(args: argparse.Namespace) -> dict:
    from casework import consent

    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="thads-crash-"))
    pg_name = None
    if args.backend == "postgres":
        import psycopg

        pg_name = f"thads_crash_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        db_url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{pg_name}"
    else:
        db_url = f"sqlite:///{work / 'data' / 'thads.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("THADS_")}
    env.update(THADS_DATA_DIR=str(work / "data"), THADS_DATABASE_URL=db_url, THADS_API_PORT=str(free_port()),
               THADS_SECRET_KEY="crash-bench", THADS_DEFAULT_OFFICE="THADS TP Hà Nội", THADS_RATE_SUBMIT_PER_MINUTE="0",
               THADS_RATE_LOOKUP_PER_MINUTE="0", OMP_NUM_THREADS="1", ANONYMIZED_TELEMETRY="False")
    server = Server(env, work / "serve.log")
    run = uuid.uuid4().hex[:8]
    bodies = {f"{run}-{i:05d}": body(i, consent.NOTICE_VERSION) for i in range(args.submissions)}
    pending: asyncio.Queue = asyncio.Queue()
    for key in bodies:
        pending.put_nowait(key)
    tally = Tally()
    kills: list[dict] = []
    up = asyncio.Event()
    try:
        server.start()
        up.set()
        started = time.perf_counter()
        await asyncio.gather(client_loop(server, pending, bodies, tally, up, args.concurrency),
                             killer(server, tally, up, args.submissions, args.kills, rng, kills))
        # Anything still unacknowledged (a worker gave up when the queue looked empty) goes round again.
        while len(tally.acked) < args.submissions:
            for key in bodies:
                if key not in tally.acked:
                    pending.put_nowait(key)
            await client_loop(server, pending, bodies, tally, up, args.concurrency)
        seconds = time.perf_counter() - started
    finally:
        server.stop()
    checks = verify(db_url, args.backend, tally, run)
    if pg_name:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    ok = (checks["rows"] == args.submissions == len(tally.acked) and checks["distinct_codes"] == args.submissions
          and checks["acked_missing"] == 0 and checks["rows_not_acked"] == 0
          and checks["items_without_exactly_one_audit_outbox_consent"] == 0 and checks["foreign_key_violations"] == 0
          and checks["integrity_check"] in ("ok", "n/a (PostgreSQL: constraints enforced by the server)")
          and not checks.get("invalid_constraints") and not checks.get("duplicate_keys"))
    return {"backend": args.backend, "submissions": args.submissions, "kills": len(kills), "kill_log": kills,
            "seconds": round(seconds, 1), "attempts": tally.attempts, "acknowledged": len(tally.acked),
            "transport_errors": tally.transport_errors, "server_errors": tally.server_errors,
            "other_statuses": tally.other, "replayed_after_crash": tally.replays_after_crash,
            "mean_restart_s": round(sum(server.restart_seconds[1:]) / max(len(server.restart_seconds) - 1, 1), 2),
            **checks, "ok": ok, "work_dir": str(work)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--json", type=Path, help="Also write the summary here.")
    args = parser.parse_args()
    result = asyncio.run(run_bench(args))
    width = max(len(k) for k in result)
    print(f"crash bench (seed {args.seed})")
    for key, value in result.items():
        print(f"  {key:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps({**result, "seed": args.seed}, ensure_ascii=False, indent=2))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
