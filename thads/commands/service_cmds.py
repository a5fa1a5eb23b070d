"""Service commands: `thads serve` (API), `thads worker` (outbox + enrichment), `thads db upgrade`."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import Annotated

import typer

from casework.migrate import upgrade
from thads.commands.common import DataDirOption, load_settings
from thads.settings import Settings

log = logging.getLogger("thads.worker")
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDirOption = None) -> None:
    """Apply Alembic migrations up to the latest revision."""
    settings = load_settings(data_dir)
    upgrade(settings.resolved_database_url)
    typer.echo("Cơ sở dữ liệu đã được cập nhật.")


def serve(data_dir: DataDirOption = None) -> None:
    """Run the API on THADS_API_HOST:THADS_API_PORT (migrations first)."""
    import uvicorn

    from api.app import create_app
    from thads.logs import setup_logging

    settings = load_settings(data_dir)
    upgrade(settings.resolved_database_url)
    setup_logging()
    if settings.workers > 1:
        # Worker processes rebuild Settings from the environment: pass the command-line data dir on.
        os.environ["THADS_DATA_DIR"] = str(settings.data_dir)
        uvicorn.run("api.app:app_from_env", factory=True, host=settings.api_host, port=settings.api_port,
                    workers=settings.workers, log_config=None)
        return
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_config=None)


def build_channels(settings: Settings) -> dict:
    from casework.outbox import WebhookChannel

    channels: dict = {}
    if settings.notify_webhook_url:
        channels["telegram"] = WebhookChannel(settings.notify_webhook_url)
    elif settings.telegram_token:  # no agency relay: send through the Bot API directly
        from bot.channel import channel_from_settings

        channels["telegram"] = channel_from_settings(settings)
    return channels


async def run_worker(settings: Settings, *, once: bool = False, stop: asyncio.Event | None = None) -> int:
    """Deliver the outbox and enrich new submissions until stopped (or one pass with `once`)."""
    from api.app import config_from
    from casework.db import Database
    from casework.enrich import Enricher
    from casework.outbox import OutboxWorker

    db = Database(settings.resolved_database_url)
    worker = OutboxWorker(db, build_channels(settings), lease_seconds=settings.outbox_lease_seconds,
                          max_attempts=settings.outbox_max_attempts)
    enricher = None
    if settings.triage_embeddings:
        from retrieval.embeddings import get_embedder

        enricher = Enricher(db, get_embedder(settings.embedder, settings.st_model, settings.embed_threads), config_from(settings))
    if not worker.channels:
        log.warning("no notification channel configured: outbox rows wait until one is")
    if stop is None:  # standalone: stop on Ctrl-C / SIGTERM; under `thads up` the caller owns signals
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    delivered = 0
    try:
        while not stop.is_set():
            n = await worker.run_once()
            e = enricher.run_once() if enricher else 0
            delivered += n
            if once:
                break
            if n == 0 and e == 0:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=settings.worker_poll_seconds)
                except TimeoutError:
                    pass
    finally:
        db.dispose()
    return delivered


def worker(
    data_dir: DataDirOption = None,
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit")] = False,
) -> None:
    """Run the notification worker (outbox delivery with retries) and triage enrichment."""
    from thads.logs import setup_logging

    settings = load_settings(data_dir)
    upgrade(settings.resolved_database_url)
    setup_logging()
    delivered = asyncio.run(run_worker(settings, once=once))
    typer.echo(f"Đã gửi {delivered} thông báo.")


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the main app."""
    app.command("serve")(serve)
    app.command("worker")(worker)
    app.add_typer(db_app, name="db")
