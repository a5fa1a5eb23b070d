"""Loaders on small real files of every supported format, made here; broken files give LoadError."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from retrieval.documents import LoadError, load_document, read_manifest

BODY = "Thời hạn tự nguyện thi hành án là 10 ngày kể từ ngày nhận được quyết định thi hành án."
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def make_docx(paragraphs: list[str], title: str | None = None, table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A PDF with a text layer (fpdf2, a Unicode TrueType font for Vietnamese)."""
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(DEJAVU))
    pdf.set_font("DejaVu", size=12)
    for line in lines:
        pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_scanned_pdf() -> bytes:
    """What a scanner produces: pages that are only pictures, no text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(image).rectangle((20, 20, 380, 60), fill="black")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=150)
    return bytes(pdf.output())


def test_markdown_with_front_matter(write) -> None:
    path = write("huong-dan.md", f"""---
title: "Hướng dẫn tự nguyện thi hành án"
kind: Hướng dẫn
issuer: Cục THADS
date: 13/05/2026
validity: còn hiệu lực
topic: tu-nguyen
---

# Tự nguyện thi hành án

{BODY}
""")
    doc = load_document(path, "huong-dan")
    assert doc.meta.title == "Hướng dẫn tự nguyện thi hành án"
    assert doc.meta.kind == "hướng dẫn"
    assert doc.meta.issuer == "Cục THADS"
    assert doc.meta.date == "2026-05-13"
    assert doc.meta.validity == "in_force"
    assert doc.meta.extra["topic"] == "tu-nguyen"
    assert doc.has_markdown_headings
    assert not doc.text.startswith("---") and BODY in doc.text


def test_markdown_without_front_matter_takes_title_from_heading(write) -> None:
    path = write("khong-front-matter.md", f"# Yêu cầu thi hành án\n\n{BODY}\n")
    doc = load_document(path, "x")
    assert doc.meta.title == "Yêu cầu thi hành án"
    assert doc.meta.kind == "khác" and doc.meta.validity == "unknown"


def test_broken_front_matter_keeps_the_body(write) -> None:
    path = write("hong.md", f"---\ntitle: [không đóng ngoặc\nkind: : :\n---\n# Tiêu đề thật\n\n{BODY}\n")
    doc = load_document(path, "x")
    assert BODY in doc.text
    assert doc.meta.title == "Tiêu đề thật"


def test_placeholder_metadata_counts_as_unknown(write) -> None:
    path = write("pd.md", f"---\ntitle: Văn bản\nngay_hieu_luc: Đang cập nhật\ntrang_thai: Đang cập nhật\n---\n{BODY}\n")
    doc = load_document(path, "x")
    assert doc.meta.valid_from is None and doc.meta.validity == "unknown"


def test_txt_is_nfc_and_keeps_lines(write) -> None:
    import unicodedata

    path = write("bao-cao.txt", unicodedata.normalize("NFD", f"Báo cáo\r\n{BODY}\r\n"))
    doc = load_document(path, "x")
    assert doc.text == f"Báo cáo\n{BODY}\n"
    assert doc.meta.title == "Báo cáo"


def test_utf16_with_bom_is_read(write) -> None:
    path = write("utf16.txt", ("\ufeff" + BODY).encode("utf-16-le"))
    assert BODY in load_document(path, "x").text


def test_docx_paragraphs_tables_and_title(write) -> None:
    data = make_docx(["Kế hoạch thi hành án", BODY], title="Kế hoạch năm 2026",
                     table=[["Chỉ tiêu", "Kết quả"], ["Về việc", "83,23%"]])
    doc = load_document(write("ke-hoach.docx", data), "x")
    assert BODY in doc.text
    assert "Về việc | 83,23%" in doc.text
    assert doc.meta.title == "Kế hoạch năm 2026"


@pytest.mark.skipif(not DEJAVU.exists(), reason="needs the DejaVu font (Debian fonts-dejavu-core) to draw Vietnamese")
def test_pdf_text_layer(write) -> None:
    doc = load_document(write("quyet-dinh.pdf", make_pdf(["Quyết định thi hành án", BODY], title="QĐTHA mẫu")), "x")
    assert "Quyết định thi hành án" in doc.text
    assert "10 ngày" in doc.text and "tự nguyện" in doc.text
    assert doc.meta.title == "QĐTHA mẫu"


def test_pdf_without_text_layer_is_refused(write) -> None:
    with pytest.raises(LoadError, match="không có lớp văn bản"):
        load_document(write("scan.pdf", make_scanned_pdf()), "x")


def test_html_drops_scripts_and_marks_headings(write) -> None:
    html = f"""<html><head><title>Khiếu nại về thi hành án</title><style>p{{color:red}}</style></head>
<body><nav>Trang chủ | Liên hệ</nav><h2>Thời hạn khiếu nại</h2><p>{BODY}</p>
<script>var tracking = 1;</script></body></html>"""
    doc = load_document(write("khieu-nai.html", html), "x")
    assert doc.meta.title == "Khiếu nại về thi hành án"
    assert "## Thời hạn khiếu nại" in doc.text and BODY in doc.text
    assert "tracking" not in doc.text and "Trang chủ" not in doc.text
    assert doc.has_markdown_headings


def test_manifest_metadata_applies_to_its_files(write) -> None:
    path = write("seed.txt", f"Báo cáo\n{BODY}\n")
    write("_manifest.yaml", "seed.txt:\n  title: Báo cáo tổng kết\n  kind: báo cáo\n  valid_to: 2020-01-01\n")
    doc = load_document(path, "seed", read_manifest(path.parent)["seed.txt"])
    assert doc.meta.title == "Báo cáo tổng kết" and doc.meta.kind == "báo cáo"
    assert doc.meta.validity == "not_in_force"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("bang-tinh.xlsx", b"PK\x03\x04", "không được hỗ trợ"),
        ("latin1.txt", "Báo cáo thi hành án.".encode("latin-1"), "không phải văn bản UTF-8"),
        ("odd-latin1.txt", "Báo cáo thi hành án".encode("latin-1"), "không phải văn bản UTF-8"),
        ("hong.docx", b"PK\x03\x04 this is not a zip archive", "docx hỏng"),
        ("hong.pdf", b"%PDF-1.4\n garbage", "PDF"),
        ("rong.md", "---\ntitle: Rỗng\n---\n   \n", "rỗng"),
    ],
)
def test_unreadable_files_raise_load_error_naming_file_and_reason(write, name: str, data: bytes | str, reason: str) -> None:
    path = write(name, data)
    with pytest.raises(LoadError) as caught:
        load_document(path, "x")
    assert str(path) in str(caught.value)
    assert reason in str(caught.value)
