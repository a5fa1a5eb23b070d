"""Run the packaged Alembic migrations programmatically, one process at a time."""

from __future__ import annotations

from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from filelock import FileLock
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from casework.db import build_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_ID = 4_242_001  # advisory lock: several API processes may start at once


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@contextmanager
def _sqlite_lock(url: str) -> Iterator[None]:
    db = make_url(url).database
    if not db or db == ":memory:":
        yield
        return
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    with FileLock(f"{db}.migrate.lock", timeout=120):
        yield


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema to `revision`; concurrent callers wait for each other."""
    engine = build_engine(url, pool_size=1)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_ID})
                conn.commit()
                try:
                    command.upgrade(alembic_config(url, conn), revision)
                    conn.commit()
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_ID})
                    conn.commit()
        else:
            with _sqlite_lock(url), engine.connect() as conn:
                command.upgrade(alembic_config(url, conn), revision)
                conn.commit()
    finally:
        engine.dispose()
