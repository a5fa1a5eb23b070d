"""Scale-out on the production shape: a Chroma server (`chroma run`), PostgreSQL, and two separate
`thads serve` processes over the same settings. Questions are answered by both, submissions sent to both
are neither lost nor duplicated, a claim race across the processes has one winner, and only the ingest
job writes the index (concurrent ingests wait for each other; the API processes only read it)."""

from __future__ import annotations

import hashlib
import re
import signal
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from casework_support import _pg_exec, _pg_url, pg_available  # noqa: E402
from proc_support import ChromaServer, Proc, free_port, thads_env, wait_http  # noqa: E402

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("scale")]

OFFICE = "THADS TP Hà Nội"
PASSWORD = "mat-khau-rat-dai"
QUESTION = "Thời hạn tự nguyện thi hành án là bao nhiêu ngày?"
INGESTED = re.compile(r"Đã đưa vào: (\d+) · không đổi: (\d+) · lỗi: (\d+)")


@pytest.fixture(scope="module")
def pg_url():
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    name = f"thads_scale_{uuid.uuid4().hex[:10]}"
    _pg_exec(f'CREATE DATABASE "{name}"')  # empty: the serve processes migrate it (concurrently)
    yield _pg_url(name)
    _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("scale")


@pytest.fixture(scope="module")
def chroma(work):
    server = ChromaServer(work / "chroma-server", work / "chroma.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def env(work, chroma, pg_url) -> dict[str, str]:
    return thads_env(data_dir=work / "data", chroma_host=chroma.host, chroma_port=chroma.port, database_url=pg_url,
                     secret_key="scale-test-secret", default_office=OFFICE, embed_threads=1, triage_embeddings="false",
                     rate_submit_per_minute=0, rate_lookup_per_minute=0, rate_login_per_minute=0)


def _index_fingerprint(index_dir: Path) -> dict[str, str]:
    """Hashes of every index file a writer would change (the catalog's WAL/SHM files belong to readers too)."""
    out = {}
    for path in sorted(index_dir.rglob("*")):
        if path.is_file() and not path.name.endswith(("-wal", "-shm", ".lock")):
            out[str(path.relative_to(index_dir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _catalog(index_dir: Path) -> dict[str, object]:
    import sqlite3

    db = sqlite3.connect(f"file:{index_dir / 'catalog.sqlite3'}?mode=ro", uri=True)
    try:
        state = dict(db.execute("SELECT key, value FROM state"))
        return {"chunks": db.execute("SELECT count(*) FROM chunks").fetchone()[0],
                "documents": db.execute("SELECT count(*) FROM documents").fetchone()[0], **state}
    finally:
        db.close()


def _dense_count(chroma: ChromaServer) -> int:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from retrieval.store import COLLECTION

    client = chromadb.HttpClient(host=chroma.host, port=chroma.port, settings=ChromaSettings(anonymized_telemetry=False))
    return client.get_collection(COLLECTION).count()


@pytest.fixture(scope="module")
def ingests(work, env):
    """Two `thads ingest` runs of corpus/ started together into the same data dir and Chroma server."""
    runs = [Proc.thads("ingest", env={**env, "THADS_EMBED_THREADS": "2"}, log=work / f"ingest-{i}.log") for i in range(2)]
    overlap = False
    try:
        runs[0].popen.wait(5)
    except Exception:  # still running after 5 s: both were alive at once
        overlap = all(r.alive() for r in runs)
    codes = [r.wait(300) for r in runs]
    return {"codes": codes, "outputs": [r.output() for r in runs], "overlap": overlap,
            "fingerprint": _index_fingerprint(work / "data" / "index")}


@pytest.fixture(scope="module")
def servers(work, env, ingests):
    """Two API processes (as on two machines), each its own `thads serve` on its own port."""
    procs, urls = [], []
    for i in range(2):
        port = free_port()
        procs.append(Proc.thads("serve", env={**env, "THADS_API_PORT": str(port)}, log=work / f"serve-{i}.log"))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for proc, url in zip(procs, urls):
            wait_http(f"{url}/readyz", proc, timeout=120)
        yield urls
    finally:
        codes = [p.stop(signal.SIGTERM, timeout=20) for p in procs]
        # uvicorn shuts down gracefully, then re-raises the signal it caught (exit status -SIGTERM).
        assert set(codes) <= {0, -signal.SIGTERM}, (codes, [p.output()[-2000:] for p in procs])
        assert all("Finished server process" in p.output() for p in procs)


def test_concurrent_ingests_are_serialised_by_the_index_lock(ingests, work, chroma) -> None:
    assert ingests["overlap"], "the two ingest runs did not run at the same time"
    assert ingests["codes"] == [0, 0], ingests["outputs"]
    counts = sorted(tuple(int(n) for n in INGESTED.search(out).groups()) for out in ingests["outputs"])
    # One run wrote everything; the other waited for the lock and found every document unchanged.
    (first_new, first_same, _), (second_new, second_same, _) = counts
    assert first_new == 0 and second_same == 0 and first_same == second_new > 0, counts
    catalog = _catalog(work / "data" / "index")
    assert catalog["dirty"] == "0" and catalog["generation"] == "1", catalog  # one writer committed, once
    assert catalog["documents"] == second_new
    assert _dense_count(chroma) == catalog["chunks"] > 0


def test_questions_are_answered_by_both_processes(servers) -> None:
    answers = []
    for url in servers:
        resp = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=120)
        assert resp.status_code == 200, resp.text
        answers.append(resp.json())
    for body in answers:
        assert not body["abstained"] and body["citations"], body
        assert "10 ngày" in body["answer"], body["answer"]
    assert answers[0]["answer"] == answers[1]["answer"]
    # Search goes through the Chroma server too (dense part of the hybrid search).
    for url in servers:
        hits = httpx.get(f"{url}/api/search", params={"q": "thời hạn tự nguyện thi hành án", "k": 3}, timeout=60).json()
        assert hits and any("tự nguyện" in h["text"].lower() for h in hits)


def _submission(consent: str, n: int) -> dict:
    return {"kind": "feedback", "content": f"Phản ánh thử nghiệm số {n} về việc chậm thi hành án.",
            "contact": {"name": f"Công dân {n}", "telegram_chat_id": str(700000 + n)},
            "consent": {"notice_version": consent, "agreed": True}}


def _pg_scalar(pg_url: str, sql: str, *params: object) -> object:
    import psycopg

    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        return conn.execute(sql, params).fetchone()[0]


def test_submissions_sent_to_both_are_neither_lost_nor_duplicated(servers, pg_url) -> None:
    consent = httpx.get(f"{servers[0]}/api/consent-notice").json()["version"]
    run = uuid.uuid4().hex[:8]
    unique = [(f"{run}-u{i}", servers[i % 2], _submission(consent, i)) for i in range(60)]
    # The same key and body to both processes at once (a client retrying against another machine), twice.
    shared = [(f"{run}-s{i}", url, _submission(consent, 1000 + i)) for i in range(20) for url in servers * 2]
    requests = unique + shared

    def send(item: tuple[str, str, dict]) -> tuple[str, int, dict]:
        key, url, body = item
        resp = httpx.post(f"{url}/api/submissions", json=body, headers={"Idempotency-Key": key}, timeout=60)
        return key, resp.status_code, resp.json()

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(send, requests))
    assert all(status in (200, 201) for _, status, _ in results), [r for r in results if r[1] not in (200, 201)][:3]
    by_key: dict[str, list[dict]] = {}
    for key, _, body in results:
        by_key.setdefault(key, []).append(body)
    for key, bodies in by_key.items():
        assert len({b["code"] for b in bodies}) == 1, (key, bodies)  # every reply for a key names one item
        assert sum(b["created"] for b in bodies) == 1, (key, bodies)  # and exactly one reply created it
        assert len({b["secret"] for b in bodies}) == 1  # the replay gives the same lookup secret on either process
    codes = {bodies[0]["code"] for bodies in by_key.values()}
    assert len(codes) == 80
    like = f"{run}-%"
    assert _pg_scalar(pg_url, "SELECT count(*) FROM submissions WHERE idempotency_key LIKE %s", like) == 80
    assert _pg_scalar(pg_url, "SELECT count(DISTINCT code) FROM submissions WHERE idempotency_key LIKE %s", like) == 80
    assert _pg_scalar(pg_url, "SELECT count(*) FROM submissions WHERE code = ANY(%s)", list(codes)) == 80
    # One receipt notification per item, not one per request.
    assert _pg_scalar(pg_url, "SELECT count(*) FROM outbox o JOIN submissions s ON s.id = o.submission_id "
                              "WHERE s.idempotency_key LIKE %s", like) == 80
    # Status lookups work on either process whichever one took the submission.
    key, _, body = results[0]
    for url in servers:
        resp = httpx.post(f"{url}/api/submissions/status", json={"code": body["code"], "secret": body["secret"]})
        assert resp.status_code == 200 and resp.json()["code"] == body["code"]


def _handler_token(url: str, pg_url: str, username: str) -> dict[str, str]:
    from casework.db import Database
    from casework.privacy import Role
    from casework.staff import create_user

    db = Database(pg_url)
    try:
        with db.write() as s:
            create_user(s, username, PASSWORD, Role.HANDLER, office=OFFICE)
    finally:
        db.dispose()
    resp = httpx.post(f"{url}/api/staff/login", json={"username": username, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def test_a_claim_race_across_processes_has_one_winner(servers, pg_url) -> None:
    consent = httpx.get(f"{servers[0]}/api/consent-notice").json()["version"]
    run = uuid.uuid4().hex[:6]
    handlers = [_handler_token(url, pg_url, f"canbo-{run}-{i}") for i, url in enumerate(servers)]
    codes = []
    for i in range(12):
        resp = httpx.post(f"{servers[0]}/api/submissions", json=_submission(consent, 5000 + i),
                          headers={"Idempotency-Key": f"claim-{run}-{i}"})
        assert resp.status_code == 201
        codes.append(resp.json()["code"])

    def claim(code: str, i: int, barrier: threading.Barrier) -> int:
        with httpx.Client(base_url=servers[i], headers=handlers[i], timeout=60) as client:
            client.get("/api/staff/me")  # connection open before the start line
            barrier.wait()
            return client.post(f"/api/staff/submissions/{code}/claim").status_code

    wins = []
    for code in codes:
        barrier = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            statuses = list(pool.map(claim, [code, code], [0, 1], [barrier, barrier]))
        assert sorted(statuses) == [200, 409], (code, statuses)
        wins.append(statuses.index(200))
        assert _pg_scalar(pg_url, "SELECT count(*) FROM audit_events a JOIN submissions s ON s.id = a.submission_id "
                                  "WHERE s.code = %s AND a.action = 'claimed'", code) == 1
    assigned = _pg_scalar(pg_url, "SELECT count(*) FROM submissions WHERE code = ANY(%s) AND assignee_id IS NOT NULL", codes)
    assert assigned == len(codes)


def test_the_api_processes_never_write_the_index(servers, ingests, work, chroma) -> None:
    # Both processes have served questions by now (earlier tests, or here when run alone).
    for url in servers:
        assert httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=120).status_code == 200
    index = work / "data" / "index"
    assert _index_fingerprint(index) == ingests["fingerprint"]
    catalog = _catalog(index)
    assert catalog["generation"] == "1" and catalog["dirty"] == "0"
    assert _dense_count(chroma) == catalog["chunks"]
