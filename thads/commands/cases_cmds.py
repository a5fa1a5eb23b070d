"""Case-registry commands: `thads cases import FILE`, `thads cases link-code`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from casework.cases import CaseConfig, CaseService
from casework.cases.importer import case_number_key
from casework.db import Database
from casework.errors import CaseworkError
from casework.migrate import upgrade
from thads.commands.common import DataDirOption, load_settings

cases = typer.Typer(help="Enforcement-case registry (case status for citizens).", no_args_is_help=True)


def _service(data_dir: Path | None) -> tuple[CaseService, Database]:
    settings = load_settings(data_dir)
    upgrade(settings.resolved_database_url)
    db = Database(settings.resolved_database_url)
    return CaseService(db, CaseConfig.from_settings(settings)), db


@cases.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV or JSON file (docs/case-import.md)")],
    fmt: Annotated[Optional[str], typer.Option("--format", help="csv | json (default: from the file name)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only; write nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Import cases: all rows or none; re-importing updates, never duplicates."""
    svc, db = _service(data_dir)
    try:
        report = svc.import_file(file.read_bytes(), filename=file.name, fmt=fmt, dry_run=dry_run, source=f"cli:{file.name}")
    finally:
        db.dispose()
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    elif report.file_error:
        typer.echo(f"Lỗi tệp: {report.file_error}", err=True)
    elif report.errors:
        typer.echo(f"Không nhập gì: {len(report.errors)} lỗi trong tệp.", err=True)
        for e in report.errors:
            where = f"dòng {e.row}" + (f", cột {e.field}" if e.field else "") + (f", hồ sơ {e.case_number}" if e.case_number else "")
            typer.echo(f"  {where}: {e.message}", err=True)
    else:
        verb = "Hợp lệ (chưa ghi)" if dry_run else "Đã nhập"
        typer.echo(f"{verb}: {report.cases} hồ sơ — mới {report.created}, cập nhật {report.updated}, không đổi {report.unchanged}; "
                   f"chuyển bước {report.stage_changes}, thông báo {report.notifications}.")
    if not report.ok:
        raise typer.Exit(1)


@cases.command("link-code")
def link_code_cmd(
    case_number: Annotated[str, typer.Argument(help="Case number as in the registry")],
    office: Annotated[str, typer.Option("--office", help="Office holding the case")],
    party: Annotated[Optional[str], typer.Option("--party", help="Party name (default: every party)")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print signed link codes to put on notices (Telegram: /start <code>)."""
    from sqlalchemy import select

    from casework.cases.models import EnforcementCase

    svc, db = _service(data_dir)
    try:
        with db.read() as s:
            case = s.scalar(select(EnforcementCase).where(EnforcementCase.office == office,
                                                         EnforcementCase.case_number_key == case_number_key(case_number)))
            if case is None:
                typer.echo("Không tìm thấy hồ sơ.", err=True)
                raise typer.Exit(1)
            parties = [(p.ref, p.name) for p in case.parties if party is None or p.name == party]
            ref = case.ref
        for party_ref, name in parties:
            out = svc.issue_link_code(None, ref, party_ref)
            typer.echo(f"{name}: {out['code']} (hết hạn {out['expires_at']:%d/%m/%Y})")
    except CaseworkError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from exc
    finally:
        db.dispose()


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the main app."""
    app.add_typer(cases, name="cases")
