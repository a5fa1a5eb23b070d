"""`thads bot`: the Telegram bot by polling (development and small deployments), with outbox delivery."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer

from thads.commands.common import DataDirOption, load_settings
from thads.settings import Settings

log = logging.getLogger("thads.bot")

NO_TOKEN = (
    "Chưa cấu hình mã bot Telegram. Hãy đặt biến môi trường THADS_TELEGRAM_TOKEN "
    "(mã do @BotFather cấp) rồi chạy lại `thads bot`."
)


async def run_bot(settings: Settings, *, outbox: bool = True) -> None:
    from bot.app import build_application, start_polling
    from bot.channel import TelegramChannel
    from casework.outbox import OutboxWorker

    application = build_application(settings)
    stop_bot = await start_polling(settings, app=application)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = []
    if outbox:
        svc = application.bot_data["services"]
        worker = OutboxWorker(svc.db, {"telegram": TelegramChannel(application.bot)},
                              lease_seconds=settings.outbox_lease_seconds, max_attempts=settings.outbox_max_attempts)
        tasks.append(asyncio.create_task(worker.run_forever(stop, settings.worker_poll_seconds)))
    typer.echo("Bot Telegram đang chạy (polling). Nhấn Ctrl-C để dừng.")
    await stop.wait()
    await asyncio.gather(*tasks, return_exceptions=True)
    await stop_bot()


def bot(
    data_dir: DataDirOption = None,
    outbox: Annotated[bool, typer.Option("--outbox/--no-outbox", help="Also deliver citizen notifications.")] = True,
) -> None:
    """Chạy bot Telegram (polling) cho người dân và cán bộ."""
    from casework.migrate import upgrade
    from casework.privacy import install_log_filter

    settings = load_settings(data_dir)
    if not settings.telegram_token:
        typer.echo(NO_TOKEN, err=True)
        raise typer.Exit(2)
    upgrade(settings.resolved_database_url)
    install_log_filter()
    asyncio.run(run_bot(settings, outbox=outbox))
    typer.echo("Đã dừng bot.")


def register(app: typer.Typer) -> None:
    app.command("bot")(bot)
