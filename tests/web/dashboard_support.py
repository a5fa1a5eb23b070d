"""Constants shared by the dashboard's browser tests and their fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
THADS = str(Path(sys.executable).with_name("thads"))
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"  # git-ignored
PASSWORD = "mat-khau-rat-dai-123"
OFFICE = "THADS TP Hà Nội"
# Debian chromium, offline: no background traffic, every host but 127.0.0.1 unresolvable.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-quic", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
