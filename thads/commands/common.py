"""Options shared by every command."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from thads.settings import Settings

DataDirOption = Annotated[
    Optional[Path],
    typer.Option("--data-dir", help="Data directory (index, database); default THADS_DATA_DIR or ./data."),
]


def load_settings(data_dir: Path | None = None, **overrides: object) -> Settings:
    """Settings from the environment, with command-line overrides on top."""
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    # Thread count for the native embedders must be in place before they load.
    os.environ.setdefault("OMP_NUM_THREADS", str(settings.embed_threads))
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    return settings
