"""How a passage's validity is said to people."""

from __future__ import annotations

from typing import Any


def _vn_date(iso: str | None) -> str:
    if not iso:
        return ""
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def validity_note(result: Any) -> str:
    """'còn hiệu lực', 'hết hiệu lực từ 01/07/2026 (thay bằng …)' or 'chưa rõ hiệu lực'."""
    if result.in_force is True:
        return "còn hiệu lực"
    if result.in_force is False:
        since = f" từ {_vn_date(result.valid_to)}" if result.valid_to else ""
        replaced = f"; thay bằng {result.replaced_by}" if result.replaced_by else ""
        return f"hết hiệu lực{since}{replaced}"
    return "chưa rõ hiệu lực"
