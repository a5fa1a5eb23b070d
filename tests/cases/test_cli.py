"""`thads cases import FILE` and `thads cases link-code` through the real CLI."""

from __future__ import annotations

from typer.testing import CliRunner

from thads.cli import app


def test_cli_import_is_idempotent_and_reports_bad_rows(tmp_path, examples, monkeypatch):
    monkeypatch.setenv("THADS_SECRET_KEY", "cli-test-key")
    monkeypatch.delenv("THADS_DATABASE_URL", raising=False)
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path / "data")]
    first = runner.invoke(app, ["cases", "import", str(examples / "cases-example.csv"), *data])
    assert first.exit_code == 0, first.output
    assert "mới 3" in first.output
    second = runner.invoke(app, ["cases", "import", str(examples / "cases-example.csv"), *data])
    assert second.exit_code == 0 and "không đổi 3" in second.output
    bad = tmp_path / "bad.csv"
    bad.write_text("case_number,office,stage,party_role,party_name\n1,X,received,creditor,A\n2,X,bogus,creditor,B\n", encoding="utf-8")
    out = runner.invoke(app, ["cases", "import", str(bad), *data])
    assert out.exit_code == 1 and "dòng 3, cột stage" in out.output and "Không nhập gì" in out.output
    codes = runner.invoke(app, ["cases", "link-code", "125/2026/TLTHA", "--office", "THADS TP Hà Nội", *data])
    assert codes.exit_code == 0 and codes.output.count("(hết hạn") == 2
