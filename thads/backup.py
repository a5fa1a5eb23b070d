"""Backup and restore of one deployment: the casework database, the retrieval index and the stored
attachments, in one tar.gz. The index is copied under its write lock so the copy is consistent."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from thads.settings import Settings

DB_SQLITE = "database/thads.sqlite3"
DB_PG = "database/thads.pgdump.sql"


class BackupError(Exception):
    pass


def _sqlite_copy(source: Path, target: Path) -> None:
    """Online, consistent copy through SQLite's backup API (safe while the service writes)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _pg_args(url: str) -> list[str]:
    u = make_url(url)
    args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    return args + [u.database or "postgres"]


def _dump_database(settings: Settings, stage: Path) -> None:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        path = Path(make_url(url).database or "")
        if path.exists():
            _sqlite_copy(path, stage / DB_SQLITE)
        return
    (stage / DB_PG).parent.mkdir(parents=True, exist_ok=True)
    with (stage / DB_PG).open("wb") as out:
        done = subprocess.run(["pg_dump", "--clean", "--if-exists", "--no-owner", *_pg_args(url)], stdout=out,
                              stderr=subprocess.PIPE, check=False)
    if done.returncode:
        raise BackupError(f"pg_dump thất bại: {done.stderr.decode(errors='replace').strip()[:300]}")


def _copy_index(settings: Settings, stage: Path) -> None:
    from filelock import FileLock

    index = settings.index_dir
    if not (index / "catalog.sqlite3").exists():
        return
    with FileLock(str(index / ".write.lock"), timeout=600):
        _sqlite_copy(index / "catalog.sqlite3", stage / "index" / "catalog.sqlite3")
        for name in ("bm25", "chroma"):
            if (index / name).exists():
                shutil.copytree(index / name, stage / "index" / name)


def backup(settings: Settings, target: Path | None = None) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = target or settings.data_dir / "backups" / f"thads-{stamp}.tar.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        _dump_database(settings, stage)
        _copy_index(settings, stage)
        for name in ("attachments", "secret.key"):
            source = settings.data_dir / name
            if source.is_dir():
                shutil.copytree(source, stage / name)
            elif source.exists():
                shutil.copy2(source, stage / name)
        with tarfile.open(target, "w:gz") as tar:
            for item in sorted(stage.iterdir()):
                tar.add(item, arcname=item.name)
    return target


def restore(settings: Settings, archive: Path) -> None:
    """Replace the database, index and attachments with the archive's. Stop the service first."""
    if not archive.exists():
        raise BackupError(f"không tìm thấy tệp sao lưu {archive}")
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(stage, filter="data")
        except (tarfile.TarError, EOFError, OSError) as exc:  # not gzip, truncated, unsafe member…
            raise BackupError(f"{archive} không phải bản sao lưu hợp lệ ({exc})") from exc
        if not any((stage / name).exists() for name in ("database", "index", "attachments")):
            raise BackupError(f"{archive} không chứa cơ sở dữ liệu, chỉ mục hay tệp đính kèm nào")
        data = settings.data_dir
        data.mkdir(parents=True, exist_ok=True)
        url = settings.resolved_database_url
        if (stage / DB_SQLITE).exists():
            if not url.startswith("sqlite"):
                raise BackupError("bản sao lưu chứa SQLite nhưng cấu hình đang dùng PostgreSQL")
            path = Path(make_url(url).database or "")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            _sqlite_copy(stage / DB_SQLITE, path)
        elif (stage / DB_PG).exists():
            done = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(stage / DB_PG), *_pg_args(url)],
                                  capture_output=True, check=False)
            if done.returncode:
                raise BackupError(f"psql thất bại: {done.stderr.decode(errors='replace').strip()[:300]}")
        if (stage / "index").exists():
            shutil.rmtree(settings.index_dir, ignore_errors=True)
            shutil.copytree(stage / "index", settings.index_dir)
        if (stage / "attachments").exists():
            shutil.rmtree(data / "attachments", ignore_errors=True)
            shutil.copytree(stage / "attachments", data / "attachments")
        if (stage / "secret.key").exists():
            shutil.copy2(stage / "secret.key", data / "secret.key")
