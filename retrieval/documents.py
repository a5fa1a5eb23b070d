"""Documents and their metadata, and the loaders for .md/.txt, .docx, .pdf and .html files."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from retrieval.textnorm import nfc

SUPPORTED_SUFFIXES = {".md", ".markdown", ".txt", ".docx", ".pdf", ".html", ".htm"}
MANIFEST_NAME = "_manifest.yaml"
VALIDITY_LABELS = {"in_force": "còn hiệu lực", "not_in_force": "hết hiệu lực", "unknown": "chưa rõ hiệu lực"}


class LoadError(Exception):
    """A file that cannot become a document; the message says why, in words an operator can act on."""


@dataclass
class DocMeta:
    title: str
    kind: str = "khác"
    issuer: str | None = None
    date: str | None = None
    source: str | None = None
    number: str | None = None
    validity: str = "unknown"  # in_force | not_in_force | unknown
    valid_from: str | None = None
    valid_to: str | None = None  # first day no longer in force
    audience: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LoadedDocument:
    doc_id: str
    path: Path
    text: str
    meta: DocMeta
    content_hash: str
    has_markdown_headings: bool = False


@lru_cache(maxsize=1)
def instruments() -> dict[str, dict[str, Any]]:
    """Known legal instruments by number (retrieval/data/instruments.yaml)."""
    raw = yaml.safe_load((Path(__file__).parent / "data" / "instruments.yaml").read_text(encoding="utf-8"))
    return {nfc(k): {kk: (str(vv) if isinstance(vv, date) else vv) for kk, vv in v.items()} for k, v in raw.items()}


# --- metadata --------------------------------------------------------------------------------

_ALIASES = {
    "title": ("title", "tieu_de", "ten"),
    "kind": ("kind", "loai_van_ban", "loai"),
    "issuer": ("issuer", "co_quan_ban_hanh", "noi_ban_hanh"),
    "date": ("date", "ngay_ban_hanh"),
    "source": ("source", "nguon", "permalink"),
    "number": ("number", "sohieu", "so_hieu"),
    "validity": ("validity", "trang_thai"),
    "valid_from": ("valid_from", "ngay_hieu_luc", "effective_from"),
    "valid_to": ("valid_to", "ngay_het_hieu_luc", "effective_to"),
    "audience": ("audience",),
}
_VALIDITY_WORDS = {
    "in_force": "in_force", "còn hiệu lực": "in_force", "con hieu luc": "in_force",
    "not_in_force": "not_in_force", "hết hiệu lực": "not_in_force", "het hieu luc": "not_in_force",
}
_PLACEHOLDERS = {"", "đang cập nhật", "dang cap nhat", "none", "null", "unknown", "không rõ"}


def to_iso_date(value: Any) -> str | None:
    """'13/05/2026', '2026-05-13' or a date → '2026-05-13'; anything else → None."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    text = value.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = nfc(value.strip())
        return None if value.casefold() in _PLACEHOLDERS else value
    return value


def build_meta(raw: dict[str, Any], fallback_title: str) -> DocMeta:
    """DocMeta from front matter or a manifest entry, whatever key names it used."""
    values: dict[str, Any] = {}
    for name, keys in _ALIASES.items():
        for key in keys:
            if _clean(raw.get(key)) is not None:
                values[name] = _clean(raw[key])
                break
    for key in ("date", "valid_from", "valid_to"):
        if key in values:
            values[key] = to_iso_date(values[key])
    validity = _VALIDITY_WORDS.get(str(values.get("validity", "")).casefold(), "unknown")
    if validity == "unknown" and values.get("valid_from"):
        validity = "in_force" if values["valid_from"] <= date.today().isoformat() else "unknown"
    if values.get("valid_to") and values["valid_to"] <= date.today().isoformat():
        validity = "not_in_force"
    known = {k for keys in _ALIASES.values() for k in keys}
    extra = {k: v for k, v in raw.items() if k not in known and isinstance(v, (str, int, float, bool, list))}
    kind = str(values.get("kind") or "khác").casefold()
    return DocMeta(
        title=str(values.get("title") or fallback_title),
        kind=kind,
        issuer=values.get("issuer"),
        date=values.get("date"),
        source=values.get("source"),
        number=values.get("number"),
        validity=validity,
        valid_from=values.get("valid_from"),
        valid_to=values.get("valid_to"),
        audience=values.get("audience"),
        extra=extra,
    )


def read_manifest(directory: Path) -> dict[str, dict[str, Any]]:
    path = directory / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise LoadError(f"{path}: manifest YAML không hợp lệ ({exc.__class__.__name__})") from exc
    return {str(k): (v or {}) for k, v in data.items()}


# --- loaders ---------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_PD_INFO_TABLE = re.compile(r"^## THÔNG TIN VĂN BẢN\s*\n.*?^## VĂN BẢN\s*\n", re.S | re.M)


def _decode(data: bytes, path: Path) -> str:
    # UTF-16 only with its BOM: almost any even-length byte string "decodes" as UTF-16 into garbage.
    encodings = ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",)
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            if "\x00" not in text:
                return text
        except UnicodeDecodeError:
            continue
    raise LoadError(f"{path}: không đọc được — tệp không phải văn bản UTF-8")


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """YAML front matter (if any, and if valid) and the body after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        data = None  # broken front matter is common in crawled files: keep the body
    return (data if isinstance(data, dict) else {}), text[match.end() :]


def _load_text(path: Path, data: bytes) -> tuple[dict[str, Any], str]:
    meta, body = split_front_matter(_decode(data, path))
    return meta, _PD_INFO_TABLE.sub("", body)


def _load_docx(path: Path, data: bytes) -> tuple[dict[str, Any], str]:
    import io

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for a damaged package
        raise LoadError(f"{path}: tệp .docx hỏng hoặc không phải .docx ({exc.__class__.__name__})") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells))
    props = document.core_properties
    return ({"title": props.title} if props.title else {}), "\n".join(lines)


def _load_pdf(path: Path, data: bytes) -> tuple[dict[str, Any], str]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as exc:
        raise LoadError(f"{path}: tệp PDF hỏng ({exc.__class__.__name__})") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise LoadError(f"{path}: PDF không có lớp văn bản (ảnh quét) — cần nhận dạng chữ (OCR) trước")
    title = (reader.metadata or {}).get("/Title") if reader.metadata else None
    return ({"title": title} if title else {}), text


def _load_html(path: Path, data: bytes) -> tuple[dict[str, Any], str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(data, path), "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else None
    for heading in soup.find_all(["h1", "h2", "h3", "h4"]):
        # One string: get_text("\n") would put the marker and the heading text on separate lines.
        heading.string = "#" * int(heading.name[1]) + " " + heading.get_text(" ", strip=True)
    body = soup.body or soup
    return ({"title": title} if title else {}), body.get_text("\n")


_LOADERS = {
    ".md": _load_text, ".markdown": _load_text, ".txt": _load_text,
    ".docx": _load_docx, ".pdf": _load_pdf, ".html": _load_html, ".htm": _load_html,
}


# Bump when loading or chunking changes, so re-ingest redoes documents whose bytes did not change.
PIPELINE_VERSION = "7"


def content_hash(data: bytes, meta: dict[str, Any]) -> str:
    digest = hashlib.sha256(PIPELINE_VERSION.encode() + b"\x00" + data)
    digest.update(yaml.safe_dump(meta, sort_keys=True, allow_unicode=True).encode())
    return digest.hexdigest()


def _first_heading(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:160]
    return None


def load_document(path: Path, doc_id: str, manifest_entry: dict[str, Any] | None = None) -> LoadedDocument:
    """Read one file into a document; raises LoadError with a clear reason."""
    suffix = path.suffix.lower()
    if suffix not in _LOADERS:
        raise LoadError(f"{path}: định dạng {suffix or '(không có đuôi)'} không được hỗ trợ")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path}: không mở được tệp ({exc.strerror})") from exc
    file_meta, body = _LOADERS[suffix](path, data)
    body = nfc(body).replace("\r\n", "\n").replace("\r", "\n")
    if not body.strip():
        raise LoadError(f"{path}: tệp rỗng, không có nội dung để đưa vào chỉ mục")
    raw = {**file_meta, **(manifest_entry or {})}
    meta = build_meta(raw, fallback_title=_first_heading(body) or path.stem)
    return LoadedDocument(
        doc_id=doc_id,
        path=path,
        text=body,
        meta=meta,
        content_hash=content_hash(data, manifest_entry or {}),
        has_markdown_headings=bool(re.search(r"^#{1,4} \S", body, re.M)),
    )
