"""Database fixtures shared by tests/casework and tests/api: the same tests on SQLite and PostgreSQL.

Each test gets a fresh database cloned from a migrated template (a file copy on SQLite,
CREATE DATABASE … TEMPLATE on PostgreSQL), so migrations run once per worker, not per test."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ADMIN = os.environ.get("THADS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=[pytest.mark.postgres, pytest.mark.xdist_group("postgres")]),
]


def pg_available() -> str | None:
    """None when a server answers; otherwise the reason to skip."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=2):
            return None
    except Exception as exc:  # any failure to connect means "no server here"
        return f"PostgreSQL not reachable at {PG_ADMIN} ({type(exc).__name__}); PostgreSQL variants skipped"


def _pg_exec(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def _pg_url(name: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


class Templates:
    """Migrated template databases, made lazily once per test process."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.sqlite: Path | None = None
        self.pg: str | None = None

    def sqlite_template(self) -> Path:
        if self.sqlite is None:
            from casework.migrate import upgrade

            path = self.tmp / "template.db"
            upgrade(f"sqlite:///{path}")
            self.sqlite = path
        return self.sqlite

    def pg_template(self) -> str:
        if self.pg is None:
            from casework.migrate import upgrade

            name = f"thads_tpl_{uuid.uuid4().hex[:10]}"
            _pg_exec(f'CREATE DATABASE "{name}"')
            upgrade(_pg_url(name))
            from sqlalchemy import create_engine

            create_engine(_pg_url(name)).dispose()
            self.pg = name
        return self.pg

    def drop(self) -> None:
        if self.pg:
            _pg_exec(f'DROP DATABASE IF EXISTS "{self.pg}" WITH (FORCE)')


def fresh_database(templates: Templates, backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        target = tmp_path / "thads.db"
        shutil.copyfile(templates.sqlite_template(), target)
        yield f"sqlite:///{target}"
        return
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    template = templates.pg_template()
    name = f"thads_test_{uuid.uuid4().hex[:12]}"
    _pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _pg_url(name)
    finally:
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
