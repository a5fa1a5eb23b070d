"""`thads up`: the whole service in one process on embedded defaults — migrations, corpus ingest,
demo data, first admin, then the API + dashboard, the notification worker and (with a token) the bot."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from thads.commands.common import DataDirOption, load_settings
from thads.settings import Settings

console = Console()


class _Server(uvicorn.Server):
    """uvicorn.Server whose signals are ours: Ctrl-C stops every part, not just the API."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def prepare(settings: Settings, demo: bool) -> None:
    from casework.db import Database
    from casework.migrate import upgrade
    from thads.commands.retrieval_cmds import _run_ingest
    from thads.demo import ensure_first_admin, load_demo_data

    upgrade(settings.resolved_database_url)
    console.print("• Cơ sở dữ liệu: sẵn sàng", highlight=False)
    report = _run_ingest(settings, [settings.corpus_dir], prune=True)
    console.print(f"• Chỉ mục: {len(report.ingested)} tài liệu mới/cập nhật, {len(report.unchanged)} không đổi"
                  + (f", {len(report.failed)} lỗi" if report.failed else ""), highlight=False)
    db = Database(settings.resolved_database_url)
    try:
        if demo:
            console.print(f"• Dữ liệu mẫu: {load_demo_data(db, settings)}", highlight=False)
        admin = ensure_first_admin(db)
    finally:
        db.dispose()
    if admin:
        console.print(f"[bold yellow]• Tài khoản quản trị đầu tiên: {admin.username} / {admin.password}[/bold yellow] "
                      "(hãy đổi mật khẩu sau khi đăng nhập; mật khẩu chỉ in một lần)", highlight=False)


async def run_all(settings: Settings) -> None:
    from api.app import create_app
    from thads.commands.service_cmds import run_worker

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = _Server(uvicorn.Config(create_app(settings), host=settings.api_host, port=settings.api_port,
                                    log_config=None, lifespan="on"))
    tasks = [asyncio.create_task(server.serve(), name="api"),
             asyncio.create_task(run_worker(settings, stop=stop), name="worker")]
    bot = await _start_bot(settings)
    base = f"http://{settings.api_host}:{settings.api_port}"
    console.print(f"• API và OpenAPI: {base}/docs · Bảng điều khiển: {base}/staff/ · Sức khỏe: {base}/healthz", highlight=False)
    console.print("• Bot Telegram: " + ("đang chạy" if bot else "tắt (đặt THADS_TELEGRAM_TOKEN để bật)"), highlight=False)
    console.print("Nhấn Ctrl-C để dừng.", highlight=False)
    done, _ = await asyncio.wait([*tasks, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    server.should_exit = True
    if bot:
        await bot()
    await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        if task.exception() if not task.cancelled() else None:
            raise task.exception()


async def _start_bot(settings: Settings):  # noqa: ANN202
    """Start the Telegram bot (polling) when a token is set; returns its async stop function."""
    if not settings.telegram_token:
        return None
    try:
        from bot.app import start_polling
    except ImportError:
        return None
    return await start_polling(settings)


def up(
    data_dir: DataDirOption = None,
    demo: Annotated[bool, typer.Option("--demo/--no-demo", help="Load demo cases and submissions.")] = True,
) -> None:
    """Chạy toàn bộ dịch vụ: chỉ mục, CSDL, API, bảng điều khiển, gửi thông báo và bot (nếu có token)."""
    from thads.logs import setup_logging

    settings = load_settings(data_dir)
    setup_logging()
    prepare(settings, demo)
    asyncio.run(run_all(settings))
    console.print("Đã dừng toàn bộ dịch vụ.", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("up")(up)
