"""`thads …`: the one console entry point. Commands live in thads/commands/, one module per area."""

from __future__ import annotations

import typer

from thads.commands import bot_cmds, casework_cmds, ops_cmds, retrieval_cmds, service_cmds, up_cmds
from thads.commands import cases_cmds

app = typer.Typer(
    help="Trợ lý THADS — ingest, search, ask, eval, serve, bot and casework tools.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
retrieval_cmds.register(app)
casework_cmds.register(app)
service_cmds.register(app)
ops_cmds.register(app)
up_cmds.register(app)
bot_cmds.register(app)
cases_cmds.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
