"""A live feed from the agency's case software: anything that yields case objects in the JSON
import schema (docs/case-import.md) can keep the registry current through `sync`.

Each batch is applied like an imported file: validated completely, then all or nothing, with
stage changes notifying linked citizens in the same transaction.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from casework.cases.service import CaseService, ImportReport


@runtime_checkable
class CaseConnector(Protocol):
    """Source of case records. `batches()` yields (batch id, list of case objects); `ack(batch_id,
    report)` is called for every batch with its report (`report.applied` tells whether it went in)
    so the source can advance its cursor or park the batch. Delivery may be at least once:
    re-sending an applied batch is harmless because the import is idempotent."""

    name: str

    def batches(self) -> Iterable[tuple[str, list[dict[str, Any]]]]: ...

    def ack(self, batch_id: str, report: ImportReport) -> None: ...


def sync(service: CaseService, connector: CaseConnector) -> list[tuple[str, ImportReport]]:
    """Apply every pending batch; each is acknowledged with its report, applied or not."""
    results = []
    for batch_id, items in connector.batches():
        report = service.import_objects(items, source=f"connector:{connector.name}")
        connector.ack(batch_id, report)
        results.append((batch_id, report))
    return results


@dataclass
class DropFolderConnector:
    """The common integration of agency software that can only export files: JSON exports dropped
    into `inbox/` are applied and moved to `done/` (or `rejected/` with a report next to them)."""

    folder: Path
    name: str = "drop-folder"

    def _dir(self, sub: str) -> Path:
        path = self.folder / sub
        path.mkdir(parents=True, exist_ok=True)
        return path

    def batches(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        for path in sorted(self._dir("inbox").glob("*.json")):
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                doc = None
            items = doc.get("cases") if isinstance(doc, dict) else doc
            if not isinstance(items, list):
                self._reject(path, {"file_error": "JSON không hợp lệ hoặc không có danh sách hồ sơ."})
                continue
            yield path.name, items

    def ack(self, batch_id: str, report: ImportReport) -> None:
        path = self._dir("inbox") / batch_id
        if report.applied:
            shutil.move(str(path), self._dir("done") / batch_id)
        else:
            self._reject(path, report.to_dict())

    def _reject(self, path: Path, report: dict[str, Any]) -> None:
        target = self._dir("rejected") / path.name
        shutil.move(str(path), target)
        target.with_suffix(".report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
