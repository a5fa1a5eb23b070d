"""backup and restore."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from thads.commands.common import DataDirOption, load_settings


def backup_cmd(
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Archive path (.tar.gz).")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Sao lưu cơ sở dữ liệu, chỉ mục và tệp đính kèm vào một tệp .tar.gz."""
    from thads.backup import BackupError, backup

    try:
        path = backup(load_settings(data_dir), output)
    except BackupError as exc:
        typer.echo(f"Sao lưu thất bại: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Đã sao lưu vào {path}")


def restore_cmd(
    archive: Annotated[Path, typer.Argument(help="A .tar.gz made by `thads backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Khôi phục từ bản sao lưu (dừng dịch vụ trước khi chạy)."""
    from thads.backup import BackupError, restore

    settings = load_settings(data_dir)
    if not yes:
        typer.confirm(f"Ghi đè dữ liệu trong {settings.data_dir}?", abort=True)
    try:
        restore(settings, archive)
    except BackupError as exc:
        typer.echo(f"Khôi phục thất bại: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo("Đã khôi phục. Khởi động lại dịch vụ.")


def register(app: typer.Typer) -> None:
    app.command("backup")(backup_cmd)
    app.command("restore")(restore_cmd)
