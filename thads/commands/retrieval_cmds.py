"""ingest, reindex, search and eval."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from thads.commands.common import DataDirOption, load_settings

console = Console()
err = Console(stderr=True)


def _run_ingest(settings, paths: list[Path], prune: bool, quiet: bool = False):  # noqa: ANN001, ANN202
    from retrieval.factory import open_store
    from retrieval.ingest import ingest

    store = open_store(settings)
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=err, disable=quiet, transient=True) as bar:
        files = bar.add_task("Tệp", total=None)
        chunks = bar.add_task("Đoạn (nhúng vector)", total=None)

        def progress(event: str, amount: int) -> None:
            if event == "files_total":
                bar.update(files, total=amount)
            elif event == "file":
                bar.advance(files, amount)
            elif event == "chunks":
                bar.advance(chunks, amount)

        report = ingest(store, paths, prune=prune, progress=progress)
    store.close()
    return report


def ingest_cmd(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files or folders; default: the bundled corpus/.")] = None,
    prune: Annotated[bool, typer.Option("--prune", help="Remove documents whose files are gone.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Đưa tài liệu vào chỉ mục (chỉ xử lý tệp mới hoặc đã thay đổi)."""
    settings = load_settings(data_dir)
    report = _run_ingest(settings, paths or [settings.corpus_dir], prune)
    if report.repaired:
        err.print(f"[yellow]Chỉ mục đã được sửa trước khi ghi: {report.repaired}.[/yellow]")
    for path, reason in report.failed:
        err.print(f"[red]LỖI[/red] {escape(path)}: {escape(reason)}", soft_wrap=True)  # one line per file, even in logs
    console.print(
        f"Đã đưa vào: {len(report.ingested)} · không đổi: {len(report.unchanged)} · lỗi: {len(report.failed)}"
        + (f" · đã gỡ: {len(report.removed)}" if report.removed else "")
        + f" · đoạn ghi: {report.chunks_written} · vector mới: {report.embeddings_computed} · {report.seconds:.1f}s"
    )
    if report.failed:
        raise typer.Exit(1)


def reindex_cmd(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Sources; default: those already in the index.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Dựng lại chỉ mục từ nguồn (giữ bộ đệm vector để không phải tính lại)."""
    from retrieval.store import Catalog, IndexCorrupt

    settings = load_settings(data_dir)
    sources = paths
    catalog_path = settings.index_dir / "catalog.sqlite3"
    embeddings: list[tuple] = []
    try:
        catalog = Catalog(catalog_path)
        sources = sources or sorted({Path(root) for _, root, _ in catalog.documents().values()})
        embeddings = catalog.db.execute("SELECT chunk_hash, model, vector FROM embeddings").fetchall()
        catalog.close()
    except IndexCorrupt as exc:
        err.print(f"[yellow]{exc}[/yellow]")
    sources = sources or [settings.corpus_dir]
    shutil.rmtree(settings.index_dir, ignore_errors=True)
    if embeddings:
        catalog = Catalog(catalog_path)
        with catalog.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", embeddings)
        catalog.close()
    report = _run_ingest(settings, sources, prune=False)
    for path, reason in report.failed:
        err.print(f"[red]LỖI[/red] {escape(path)}: {escape(reason)}", soft_wrap=True)  # one line per file, even in logs
    console.print(f"Đã dựng lại: {len(report.ingested)} tài liệu, {report.chunks_written} đoạn, lỗi: {len(report.failed)}")
    if report.failed:
        raise typer.Exit(1)


def search_cmd(
    query: Annotated[str, typer.Argument(help="Câu hỏi hoặc từ khóa.")],
    k: Annotated[int, typer.Option("-k", help="Number of passages.")] = 10,
    kind: Annotated[Optional[str], typer.Option("--kind", help="luật, nghị định, thông tư, báo cáo, hướng dẫn…")] = None,
    issuer: Annotated[Optional[str], typer.Option("--issuer")] = None,
    in_force_on: Annotated[Optional[str], typer.Option("--in-force-on", help="YYYY-MM-DD")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Tìm đoạn văn bản liên quan, kèm trích dẫn và hiệu lực."""
    from datetime import date

    from retrieval.factory import open_searcher
    from retrieval.search import SearchFilters

    settings = load_settings(data_dir)
    filters = SearchFilters(kind=kind, issuer=issuer, in_force_on=date.fromisoformat(in_force_on) if in_force_on else None)
    results = open_searcher(settings).search(query, k=k, filters=filters)
    if as_json:
        console.print_json(json.dumps([r.to_dict() for r in results], ensure_ascii=False))
        return
    if not results:
        console.print("Không tìm thấy đoạn nào phù hợp.")
    from retrieval.validity import validity_note

    for i, r in enumerate(results, 1):
        console.print(f"[bold]{i}. {r.citation}[/bold]  [dim]{validity_note(r)} · {r.score:.4f}[/dim]")
        console.print(r.text[:500] + ("…" if len(r.text) > 500 else ""), highlight=False)
        console.print()


def eval_cmd(
    file: Annotated[Path, typer.Argument(help="JSONL: id, question, evidence[, abstain].")],
    k: Annotated[int, typer.Option("-k")] = 10,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    no_answers: Annotated[bool, typer.Option("--no-answers", help="Retrieval metrics only.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Đo chất lượng tìm kiếm (và trả lời) trên một tệp câu hỏi."""
    from retrieval.answers import build_answerer
    from retrieval.evaluation import evaluate, load_eval_items
    from retrieval.factory import open_searcher

    settings = load_settings(data_dir)
    items = load_eval_items(file)
    # The assistant's own answers are measured: staff-approved answers are not consulted here.
    answerer = None if no_answers else build_answerer(settings)
    result = evaluate(answerer.searcher if answerer else open_searcher(settings), items, answerer=answerer, k=k)
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    table = Table("Chỉ số", "Giá trị")
    for key, value in result["summary"].items():
        table.add_row(key, "—" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value)))
    console.print(table)
    for name, group in result.get("groups", {}).items():
        console.print(f"[dim]{name}: {json.dumps(group, ensure_ascii=False)}[/dim]")


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_cmd)
    app.command("reindex")(reindex_cmd)
    app.command("search")(search_cmd)
    app.command("eval")(eval_cmd)
    register_ask(app)


def ask_cmd(
    question: Annotated[str, typer.Argument(help="Câu hỏi.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Trả lời ngắn gọn, có trích dẫn nguồn (hoặc nói rõ khi tài liệu không đề cập)."""
    from casework.approved_answers import hook_for
    from retrieval.answers import build_answerer

    settings = load_settings(data_dir)
    answer = build_answerer(settings, approved=hook_for(settings))(question)  # staff-approved answers first
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
        return
    console.print(answer.answer, highlight=False)


def register_ask(app: typer.Typer) -> None:
    app.command("ask")(ask_cmd)
