"""Outbox delivery: at least once, idempotent by delivery key, retries with backoff, survives a crash."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from casework.models import OutboxMessage, utcnow
from casework.outbox import DELIVERED, DEAD, OutboxWorker, WebhookChannel, backoff_seconds
from casework.privacy import Role
from casework.queue import StaffQueue
from casework.states import Status
from fake_receiver import Receiver
from helpers import staff, submit

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _rows(db):
    with db.read() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _due_now(db):
    with db.write() as s:
        s.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def test_delivers_once_with_delivery_key(db, cfg, receiver):
    r = submit(db, cfg)
    worker = OutboxWorker(db, {"telegram": WebhookChannel(receiver.url)})
    assert asyncio.run(worker.run_once()) == 1
    assert asyncio.run(worker.run_once()) == 0
    (row,) = _rows(db)
    assert row.status == DELIVERED and row.attempts == 1
    (call,) = receiver.calls
    assert call["idempotency_key"] == call["delivery_key"] == row.delivery_key and call["code"] == r.code


def test_failure_after_send_retries_with_same_key(db, cfg, receiver):
    submit(db, cfg)
    receiver.mode = "fail_after_record"
    worker = OutboxWorker(db, {"telegram": WebhookChannel(receiver.url)}, base_backoff=30)
    assert asyncio.run(worker.run_once()) == 0
    (row,) = _rows(db)
    assert row.status == "pending" and row.next_attempt_at > utcnow() + timedelta(seconds=29)
    assert asyncio.run(worker.run_once()) == 0  # backing off: not due yet
    receiver.mode = "ok"
    _due_now(db)
    assert asyncio.run(worker.run_once()) == 1
    assert len(receiver.calls) == 2 and len(receiver.unique_keys()) == 1  # a repeat the receiver can drop
    assert _rows(db)[0].status == DELIVERED


def test_permanent_rejection_and_attempt_limit(db, cfg):
    class Rejecting:
        name = "telegram"

        async def send(self, message):
            from casework.outbox import DeliveryError

            raise DeliveryError("HTTP 400", permanent=True)

    submit(db, cfg)
    asyncio.run(OutboxWorker(db, {"telegram": Rejecting()}).run_once())
    assert _rows(db)[0].status == DEAD
    assert 5 <= backoff_seconds(10, base=5, cap=60) <= 60


def _worker_proc(db_url: str, data_dir: Path, webhook: str, once: bool) -> subprocess.Popen:
    env = {**os.environ, "THADS_DATABASE_URL": db_url, "THADS_NOTIFY_WEBHOOK_URL": webhook,
           "THADS_OUTBOX_LEASE_SECONDS": "1", "THADS_TRIAGE_EMBEDDINGS": "false", "THADS_WORKER_POLL_SECONDS": "0.2"}
    script = ("import typer; from thads.commands import service_cmds; app = typer.Typer(); "
              "service_cmds.register(app); app.command('noop')(lambda: None); app()")
    args = [sys.executable, "-c", script, "worker", "--data-dir", str(data_dir)] + (["--once"] if once else [])
    return subprocess.Popen(args, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_row_survives_worker_crash_and_is_delivered_once(db, db_url, cfg, receiver, tmp_path):
    """The change commits with its outbox row; the worker is killed (-9) while sending; a new worker
    delivers it after the lease runs out, exactly one completed delivery, same key."""
    r = submit(db, cfg)
    boss = staff(db, "boss", Role.SUPERVISOR)
    StaffQueue(db, cfg).transition(boss, r.code, Status.ACCEPTED, note="Đã thụ lý.")
    assert len(_rows(db)) == 2
    receiver.mode = "hang"
    proc = _worker_proc(db_url, tmp_path, receiver.url, once=False)
    deadline = time.monotonic() + 60
    while not receiver.calls and time.monotonic() < deadline:
        time.sleep(0.05)
    assert receiver.calls, proc.stderr.read1().decode() if proc.poll() is not None else "worker never sent"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert all(row.status == "pending" for row in _rows(db))
    receiver.mode = "ok"
    receiver.release.set()
    time.sleep(1.2)  # the dead worker's lease expires
    done = _worker_proc(db_url, tmp_path, receiver.url, once=True)
    out, err = done.communicate(timeout=60)
    assert done.returncode == 0, err.decode()
    rows = _rows(db)
    assert [row.status for row in rows] == [DELIVERED, DELIVERED]
    completed = [c for c in receiver.calls[1:]]
    assert {c["delivery_key"] for c in completed} == {row.delivery_key for row in rows}
    assert len(completed) == 2  # each row delivered once after the crash
    assert rows[0].attempts == 2  # the interrupted attempt counted
