"""Engine and session factory for SQLite (default, WAL) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15_000


def _sqlite_on_connect(dbapi_conn, _record) -> None:
    # The driver's own transaction handling is switched off so that BEGIN is ours (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit that returned (a tracking code handed out) survives a power cut.
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn) -> None:
    # Writers take the write lock up front: a deferred transaction that later writes can fail with
    # SQLITE_BUSY at once (no busy wait) when another writer got in between.
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


def build_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine with the pragmas and pool this project relies on; parameters never reach error text."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            hide_parameters=True,  # bound values (phones, content) must not land in exception text/logs
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=pool_size,
            max_overflow=pool_size * 2,
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        url,
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_pre_ping=True,
    )


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@dataclass
class Database:
    """One engine plus two session flavours: `write()` (immediate lock on SQLite) and `read()`."""

    url: str
    engine: Engine = field(init=False)
    _writer: sessionmaker[Session] = field(init=False, repr=False)
    _reader: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.engine = build_engine(self.url)
        # SQLite has one writer at a time. Threads of this process queue on a fair lock instead of
        # polling the busy handler (whose growing sleeps make tail latency spiky); other processes
        # still wait through busy_timeout.
        self._write_lock = threading.Lock() if self.engine.dialect.name == "sqlite" else None
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        reader_bind = self.engine.execution_options(sqlite_begin="DEFERRED")
        self._reader = sessionmaker(reader_bind, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return is_postgres(self.engine)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any exception."""
        with self._write_lock or nullcontext(), self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (never commits; SQLite readers do not block writers in WAL).
        Closing ends the transaction without expiring loaded objects, so results stay readable."""
        with self._reader() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
