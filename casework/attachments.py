"""Attachment storage under the data dir: size limits, type decided by the bytes (puremagic), and
content-addressed files written and fsynced before the database row that points at them."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import puremagic

ALLOWED_TYPES: dict[str, str] = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}


class AttachmentError(ValueError):
    """A refused file; `status` is the HTTP code an adapter should use, the message is Vietnamese."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    content_type: str
    filename: str
    storage_path: str  # relative to the data dir


def sniff_type(data: bytes) -> str | None:
    """The MIME type from the file's magic bytes, if it is one we accept."""
    try:
        matches = puremagic.magic_string(data[:8192])
    except puremagic.PureError:
        return None
    for match in matches:
        if match.mime_type in ALLOWED_TYPES:
            return match.mime_type
    # WebP: RIFF container; puremagic may report only the generic RIFF signature.
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def safe_filename(name: str | None, content_type: str) -> str:
    base = unicodedata.normalize("NFC", Path(name or "tep").name)
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .")[:120] or "tep"
    stem = Path(base).stem or "tep"
    return stem + ALLOWED_TYPES[content_type]


def check(data: bytes, *, filename: str | None, max_bytes: int) -> str:
    if not data:
        raise AttachmentError(f"Tệp “{safe_filename(filename, 'application/pdf')[:-4]}” rỗng.")
    if len(data) > max_bytes:
        raise AttachmentError(f"Tệp vượt quá dung lượng cho phép ({max_bytes // (1024 * 1024)} MB).", status=413)
    content_type = sniff_type(data)
    if content_type is None:
        raise AttachmentError("Chỉ nhận tệp ảnh (JPEG, PNG, WebP) hoặc PDF.", status=415)
    return content_type


def store(data: bytes, *, filename: str | None, data_dir: Path, max_bytes: int) -> StoredFile:
    """Validate and write durably; identical bytes are stored once."""
    content_type = check(data, filename=filename, max_bytes=max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    rel = Path("attachments") / digest[:2] / digest[2:4] / f"{digest}{ALLOWED_TYPES[content_type]}"
    target = data_dir / rel
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)  # atomic: readers never see a half-written file
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return StoredFile(digest, len(data), content_type, safe_filename(filename, content_type), str(rel))


def open_path(data_dir: Path, storage_path: str) -> Path:
    path = (data_dir / storage_path).resolve()
    if data_dir.resolve() not in path.parents:
        raise AttachmentError("Đường dẫn tệp không hợp lệ.", status=404)
    return path
