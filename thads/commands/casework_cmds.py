"""Casework commands: `thads admin create-user`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from casework.db import Database
from casework.migrate import upgrade
from casework.privacy import Role
from casework.staff import StaffError, create_user
from thads.commands.common import DataDirOption, load_settings

admin = typer.Typer(help="Staff accounts.", no_args_is_help=True)


@admin.command("create-user")
def create_user_cmd(
    username: Annotated[str, typer.Argument(help="Login name")],
    role: Annotated[Role, typer.Option("--role", help="handler | supervisor | admin")] = Role.HANDLER,
    office: Annotated[Optional[str], typer.Option("--office", help="Office scope; omit for all offices")] = None,
    password: Annotated[Optional[str], typer.Option("--password", help="Omit to be prompted")] = None,
    display_name: Annotated[str, typer.Option("--name", help="Display name")] = "",
    data_dir: DataDirOption = None,
) -> None:
    """Create a staff account (password hashed with argon2)."""
    settings = load_settings(data_dir)
    if password is None:
        password = typer.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    upgrade(settings.resolved_database_url)
    db = Database(settings.resolved_database_url)
    try:
        with db.write() as s:
            user = create_user(s, username, password, role, office=office, display_name=display_name)
            typer.echo(f"Đã tạo tài khoản {user.username} (vai trò {user.role}{', ' + office if office else ''}).")
    except StaffError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    finally:
        db.dispose()


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the main app."""
    app.add_typer(admin, name="admin")
