"""Keyed hashes of personal identifiers and the signed link codes printed on notices.

All keys derive from the server signing key (Settings.signing_key()) with a purpose label, so a
leaked hash table cannot be brute-forced offline (CCCD numbers and birth dates are low-entropy)
and a link code can never be replayed as anything else. Rotating the signing key invalidates
every stored hash and printed code: re-import the registry and reprint codes after a rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
from dataclasses import dataclass
from datetime import date, datetime, timezone

LINK_PREFIX = "c"
_LINK_VERSION = 1
_LINK_STRUCT = struct.Struct(">BIHI")  # version, party id, link epoch (mod 2^16), expiry (unix seconds)
_MAC_BYTES = 16  # 128-bit tag: forging is out of reach; keeps the code at 37 characters
_TELEGRAM_START = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def subkey(signing_key: bytes, purpose: str) -> bytes:
    return hmac.new(signing_key, b"thads-cases/" + purpose.encode(), hashlib.sha256).digest()


def keyed_hash(key: bytes, label: str, value: str) -> str:
    return hmac.new(key, label.encode() + b"\x00" + value.encode(), hashlib.sha256).hexdigest()


def normalize_national_id(raw: str) -> str | None:
    """Digits of a CMND (9) or CCCD (12) number; None when it is neither."""
    digits = re.sub(r"[\s.\-]", "", raw or "")
    return digits if digits.isdigit() and len(digits) in (9, 12) else None


def normalize_phone(raw: str) -> str | None:
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if digits.isdigit() and 9 <= len(digits) <= 11 else None


def new_salt() -> str:
    return secrets.token_hex(16)


def verifier(key: bytes, salt: str, id_last4: str, birth_date: date) -> str:
    """What a citizen proves at lookup: the last 4 digits of their ID and their date of birth."""
    return keyed_hash(key, "verifier", f"{salt}|{id_last4}|{birth_date.isoformat()}")


def new_ref() -> str:
    return secrets.token_urlsafe(9)  # 12 URL-safe characters, unguessable


def token_subject(token: str) -> str:
    """Citizen API tokens are random; only their SHA-256 is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_citizen_token() -> str:
    return secrets.token_urlsafe(24)


# --- link codes ---------------------------------------------------------------------------------


class LinkCodeError(ValueError):
    """`expired` is True when the code is genuine but past its date (the citizen needs a new notice)."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class LinkClaim:
    party_id: int
    epoch: int
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_link_code(key: bytes, party_id: int, epoch: int, expires_at: datetime) -> str:
    """`c` + base64url(payload ‖ HMAC-SHA256(payload)[:16]): 37 characters, valid as a Telegram
    `/start` payload (A–Z a–z 0–9 _ -, at most 64)."""
    payload = _LINK_STRUCT.pack(_LINK_VERSION, party_id, epoch & 0xFFFF, int(expires_at.timestamp()))
    tag = hmac.new(key, payload, hashlib.sha256).digest()[:_MAC_BYTES]
    code = LINK_PREFIX + _b64(payload + tag)
    assert _TELEGRAM_START.match(code)
    return code


def looks_like_link_code(text: str) -> bool:
    text = (text or "").strip()
    return text.startswith(LINK_PREFIX) and bool(_TELEGRAM_START.match(text)) and len(text) == 37


def read_link_code(key: bytes, code: str, *, now: datetime | None = None) -> LinkClaim:
    """Verify the tag (constant time) before trusting any field; then the expiry."""
    code = (code or "").strip()
    if not looks_like_link_code(code):
        raise LinkCodeError("Mã liên kết không đúng định dạng.")
    try:
        raw = _unb64(code[len(LINK_PREFIX):])
    except ValueError as exc:
        raise LinkCodeError("Mã liên kết không đúng định dạng.") from exc
    payload, tag = raw[:_LINK_STRUCT.size], raw[_LINK_STRUCT.size:]
    expected = hmac.new(key, payload, hashlib.sha256).digest()[:_MAC_BYTES]
    if len(tag) != _MAC_BYTES or not hmac.compare_digest(tag, expected):
        raise LinkCodeError("Mã liên kết không hợp lệ.")
    version, party_id, epoch, expires = _LINK_STRUCT.unpack(payload)
    if version != _LINK_VERSION:
        raise LinkCodeError("Mã liên kết không hợp lệ.")
    expires_at = datetime.fromtimestamp(expires, timezone.utc)
    if (now or datetime.now(timezone.utc)) >= expires_at:
        raise LinkCodeError("Mã liên kết đã hết hạn. Vui lòng dùng mã trên thông báo mới nhất hoặc tra cứu bằng số hồ sơ.", expired=True)
    return LinkClaim(party_id, epoch, expires_at)
