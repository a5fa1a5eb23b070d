"""`thads backup` / `thads restore` (the real CLI in a subprocess): a deployment with submissions,
attachments and an index comes back whole in an empty data dir; bad archives fail cleanly."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from casework_support import BACKENDS, _pg_exec, _pg_url, fresh_database  # noqa: E402
from proc_support import REPO, thads_env  # noqa: E402

from api.app import config_from  # noqa: E402
from casework import attachments, consent, intake  # noqa: E402
from casework.db import Database  # noqa: E402
from casework.models import Attachment, AuditEvent, Submission  # noqa: E402
from casework.states import Channel, Kind  # noqa: E402
from thads.settings import Settings  # noqa: E402

QUERY = "thời hạn tự nguyện thi hành án"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def source_url(backend, templates, tmp_path):
    if backend == "sqlite":
        yield None  # the default: thads.db in the data dir, as a fresh install has it
        return
    yield from fresh_database(templates, backend, tmp_path)


@pytest.fixture
def target_url(backend, source_url):
    """Where the restore goes: the empty data dir's default SQLite file, or a new, empty PostgreSQL database."""
    if backend == "sqlite":
        yield None
        return
    name = f"thads_restore_{uuid.uuid4().hex[:10]}"
    _pg_exec(f'CREATE DATABASE "{name}"')
    yield _pg_url(name)
    _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _thads(*args: str, data_dir: Path, database_url: str | None) -> subprocess.CompletedProcess[str]:
    env = thads_env(data_dir=data_dir, database_url=database_url)
    return subprocess.run([sys.executable, "-m", "thads.cli", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=180)


def _deployment(settings: Settings, sources: Path) -> list[tuple[str, str]]:
    """Migrated database, an index of `sources`, three submissions (two with attachments). Returns (code, secret)."""
    from casework.migrate import upgrade
    from retrieval.factory import open_store
    from retrieval.ingest import ingest

    upgrade(settings.resolved_database_url)
    store = open_store(settings)
    assert ingest(store, [sources]).ingested
    store.close()
    cfg = config_from(settings)
    files = [(), (attachments.store(PNG, filename="anh.png", data_dir=settings.data_dir, max_bytes=10**6),),
             (attachments.store(PNG, filename="anh.png", data_dir=settings.data_dir, max_bytes=10**6),
              attachments.store(PDF, filename="quyet-dinh.pdf", data_dir=settings.data_dir, max_bytes=10**6))]
    db = Database(settings.resolved_database_url)
    try:
        receipts = [intake.submit(db, intake.IntakeRequest(
            kind=Kind.COMPLAINT, content=f"Khiếu nại số {n} về quyết định kê biên.", channel=Channel.API,
            contact=intake.Contact(name=f"Công dân {n}", chat_id=str(900 + n)), consent_version=consent.NOTICE_VERSION,
            idempotency_key=f"backup-{n}", attachments=stored), cfg) for n, stored in enumerate(files)]
    finally:
        db.dispose()
    return [(r.code, r.secret) for r in receipts]


def _snapshot(settings: Settings) -> dict:
    """Everything a restore must bring back, as comparable values."""
    from retrieval.factory import open_searcher

    db = Database(settings.resolved_database_url)
    try:
        with db.read() as s:
            subs = [(x.code, x.kind, x.status, x.content, x.citizen_name, x.chat_id, x.secret_hash, x.idempotency_key)
                    for x in s.scalars(select(Submission).order_by(Submission.code))]
            atts = [(a.submission.code, a.sha256, a.size, a.content_type, a.filename, a.storage_path)
                    for a in s.scalars(select(Attachment).order_by(Attachment.id))]
            audit = s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    finally:
        db.dispose()
    files = {a[5]: hashlib.sha256(attachments.open_path(settings.data_dir, a[5]).read_bytes()).hexdigest() for a in atts}
    searcher = open_searcher(settings, repair=False)
    assert searcher.store.problem() is None
    hits = [(r.chunk_id, r.citation) for r in searcher.search(QUERY, k=5)]
    searcher.store.close()
    return {"submissions": subs, "attachments": atts, "files": files, "last_audit": audit, "hits": hits}


def test_backup_then_restore_into_an_empty_data_dir(tmp_path, small_sources, source_url, target_url) -> None:
    source = Settings(data_dir=tmp_path / "old", database_url=source_url, embed_threads=1)
    receipts = _deployment(source, small_sources)
    before = _snapshot(source)
    assert len(before["submissions"]) == 3 and len(before["attachments"]) == 3 and before["hits"]
    assert set(before["files"]) == {a[5] for a in before["attachments"]}  # the PNG is stored once, used twice

    archive = tmp_path / "ban-sao-luu.tar.gz"
    done = _thads("backup", "--output", str(archive), data_dir=source.data_dir, database_url=source_url)
    assert done.returncode == 0, done.stderr
    assert archive.exists() and "Đã sao lưu" in done.stdout

    target = Settings(data_dir=tmp_path / "new", database_url=target_url, embed_threads=1)
    assert not target.data_dir.exists()
    done = _thads("restore", str(archive), "--yes", data_dir=target.data_dir, database_url=target_url)
    assert done.returncode == 0, done.stderr
    assert "Đã khôi phục" in done.stdout

    after = _snapshot(target)
    assert after == before
    # The restored signing key still derives the secrets citizens hold: their lookups keep working.
    db = Database(target.resolved_database_url)
    try:
        for code, secret in receipts:
            assert intake.status(db, code, secret=secret)["code"] == code
    finally:
        db.dispose()


@pytest.mark.parametrize("kind", ["missing", "not-an-archive", "someone-elses-archive"])
def test_restore_of_a_bad_archive_fails_cleanly(tmp_path, kind) -> None:
    import tarfile

    archive = tmp_path / "khong-co.tar.gz"
    if kind == "not-an-archive":
        archive.write_bytes(b"day khong phai tep nen")
    elif kind == "someone-elses-archive":
        (tmp_path / "ghi-chu.txt").write_text("không liên quan")
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(tmp_path / "ghi-chu.txt", arcname="ghi-chu.txt")
    data_dir = tmp_path / "data"
    done = _thads("restore", str(archive), "--yes", data_dir=data_dir, database_url=None)
    assert done.returncode == 1
    assert done.stderr.startswith("Khôi phục thất bại:"), done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (data_dir / "thads.db").exists() and not (data_dir / "index").exists()  # nothing half-restored
