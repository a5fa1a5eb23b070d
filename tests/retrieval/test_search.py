"""Hybrid search over a real index: Vietnamese spelling variants, abbreviations, filters, LangChain, eval."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retrieval.search import HybridRetriever, SearchFilters
from thads.cli import app


def doc(title: str, kind: str, body: str, **meta: str) -> str:
    extra = "".join(f"{k}: {v}\n" for k, v in meta.items())
    return f"---\ntitle: {title}\nkind: {kind}\n{extra}---\n# {title}\n\n{body}\n"


MINI = {
    "thoi-hieu.md": doc("Thời hiệu yêu cầu thi hành án", "hướng dẫn", """## Thời hiệu là bao lâu
Thời hiệu yêu cầu thi hành án là 05 năm, kể từ ngày bản án, quyết định có hiệu lực pháp luật.

## Quá thời hiệu thì sao
Trường hợp có lý do chính đáng như ốm nặng, thiên tai thì thời gian đó không tính vào thời hiệu.""",
                        validity="in_force", audience="citizen"),
    "xac-minh.md": doc("Xác minh điều kiện thi hành án", "hướng dẫn", """## Ai xác minh
CHV tiến hành xác minh tài sản, thu nhập của người phải thi hành án trong thời hạn 10 ngày.

## Kết quả xác minh
Kết quả xác minh được lập thành biên bản có xác nhận của UBND cấp xã.""", validity="in_force"),
    "bao-cao.md": doc("Báo cáo công tác năm 2023", "báo cáo", """## Kết quả
Các cơ quan thi hành án dân sự đã thi hành xong 83,23% về việc và 46,78% về tiền.

## Hòa giải
Công tác hòa giải trong thi hành án được chú trọng, nhiều vụ việc được các bên thỏa thuận.""",
                      issuer="Tổng cục Thi hành án dân sự"),
    "luat-cu.md": doc("Luật cũ về cưỡng chế", "luật", """Điều 46. Cưỡng chế thi hành án
1. Hết thời hạn tự nguyện thi hành án mà người phải thi hành án có điều kiện nhưng không tự nguyện thi hành thì bị cưỡng chế.
2. Không tổ chức cưỡng chế từ 22 giờ đến 06 giờ sáng ngày hôm sau.

Điều 47. Thanh toán tiền thi hành án
1. Số tiền thi hành án được thanh toán theo thứ tự sau đây.

Điều 48. Hoãn thi hành án
1. Thủ trưởng cơ quan thi hành án ra quyết định hoãn thi hành án khi người phải thi hành án ốm nặng.""",
                      number="99/2008/QH12", valid_from="2009-07-01", valid_to="2026-07-01"),
    "luat-moi.md": doc("Luật mới về cưỡng chế", "luật", """Điều 50. Cưỡng chế thi hành án
1. Người phải thi hành án có điều kiện mà không tự nguyện thi hành án thì bị cưỡng chế thi hành án.
2. Việc cưỡng chế không tổ chức vào ban đêm và ngày lễ.

Điều 51. Chi phí cưỡng chế
1. Người phải thi hành án chịu chi phí cưỡng chế thi hành án.

Điều 52. Kế hoạch cưỡng chế
1. Chấp hành viên lập kế hoạch cưỡng chế trước khi tổ chức cưỡng chế.""",
                       number="98/2025/QH15", valid_from="2026-07-01"),
}


@pytest.fixture(scope="module")
def mini_index(tmp_path_factory: pytest.TempPathFactory, build_index):  # noqa: ANN001, ANN201
    src = tmp_path_factory.mktemp("mini-src")
    for name, text in MINI.items():
        (src / name).write_text(text, encoding="utf-8")
    index = build_index(tmp_path_factory.mktemp("mini-data"), [src])
    index.src = src
    yield index
    index.store.close()


def top_texts(searcher, query: str, k: int = 3, **filters) -> list[str]:  # noqa: ANN001
    return [r.text for r in searcher.search(query, k=k, filters=SearchFilters(**filters))]


# --- Vietnamese spelling ---------------------------------------------------------------------


def test_query_without_diacritics_finds_the_same_passage(mini_index) -> None:  # noqa: ANN001
    searcher = mini_index.searcher
    accented = searcher.search("thời hiệu yêu cầu thi hành án", k=3)
    plain = searcher.search("thoi hieu yeu cau thi hanh an", k=3)
    assert "05 năm" in accented[0].text
    assert plain[0].chunk_id == accented[0].chunk_id
    assert plain[0].bm25_rank == 1


def test_decomposed_query_is_the_same_query(mini_index) -> None:  # noqa: ANN001
    query = "kết quả xác minh tài sản"
    nfd = unicodedata.normalize("NFD", query)
    assert [r.chunk_id for r in mini_index.searcher.search(nfd, k=3)] == [r.chunk_id for r in mini_index.searcher.search(query, k=3)]


def test_old_tone_placement_matches_new(mini_index) -> None:  # noqa: ANN001
    hit = mini_index.searcher.search("công tác hoà giải", k=1)[0]  # the text writes "hòa giải"
    assert "hòa giải" in hit.text and hit.bm25_rank == 1


# --- abbreviations ---------------------------------------------------------------------------


def test_abbreviation_finds_its_expansion(mini_index) -> None:  # noqa: ANN001
    hits = mini_index.searcher.search("THADS xong bao nhiêu % về việc", k=3)
    assert "83,23%" in hits[0].text
    assert "THADS" not in hits[0].text and "thi hành án dân sự" in hits[0].text


def test_expansion_finds_its_abbreviation(mini_index) -> None:  # noqa: ANN001
    hits = mini_index.searcher.search("chấp hành viên xác minh tài sản trong bao lâu", k=3)
    assert "CHV tiến hành xác minh" in hits[0].text
    assert hits[0].bm25_rank is not None and hits[0].bm25_rank <= 2


def test_ubnd_both_ways(mini_index) -> None:  # noqa: ANN001
    hits = mini_index.searcher.search("biên bản có xác nhận của ủy ban nhân dân xã", k=1)
    assert "UBND cấp xã" in hits[0].text


# --- results and filters ---------------------------------------------------------------------


def test_results_carry_citation_validity_and_scores(mini_index) -> None:  # noqa: ANN001
    hit = mini_index.searcher.search("cưỡng chế ban đêm 22 giờ", k=1, today=date(2026, 8, 1))[0]
    assert hit.text.startswith("Điều 46. Cưỡng chế thi hành án")
    assert hit.citation == "Điều 46 Luật số 99/2008/QH12"
    assert hit.kind == "luật" and hit.valid_to == "2026-07-01"
    assert hit.in_force is False
    assert hit.score > 0 and hit.dense_score is not None and hit.bm25_score is not None
    assert mini_index.searcher.search("cưỡng chế ban đêm 22 giờ", k=1, today=date(2025, 1, 1))[0].in_force is True


def test_kind_filter(mini_index) -> None:  # noqa: ANN001
    results = mini_index.searcher.search("thi hành án", k=10, filters=SearchFilters(kind="báo cáo"))
    assert results and {r.kind for r in results} == {"báo cáo"}
    results = mini_index.searcher.search("thi hành án", k=10, filters=SearchFilters(kind="luật"))
    assert results and {r.kind for r in results} == {"luật"}


def test_issuer_filter(mini_index) -> None:  # noqa: ANN001
    results = mini_index.searcher.search("thi hành án", k=10, filters=SearchFilters(issuer="Tổng cục Thi hành án dân sự"))
    assert results and {r.doc_id for r in results} == {"bao-cao"}


@pytest.mark.parametrize(
    ("day", "allowed"),
    [(date(2025, 1, 1), {"luat-cu"}), (date(2026, 8, 1), {"luat-moi"}), (date(2026, 7, 1), {"luat-moi"})],
)
def test_in_force_on_filter(mini_index, day: date, allowed: set[str]) -> None:  # noqa: ANN001
    results = mini_index.searcher.search("cưỡng chế thi hành án", k=10,
                                         filters=SearchFilters(kind="luật", in_force_on=day))
    assert results and {r.doc_id for r in results} == allowed
    assert all(r.in_force is not False for r in mini_index.searcher.search(
        "cưỡng chế thi hành án", k=10, filters=SearchFilters(in_force_on=day), today=day))


def test_empty_query_and_no_match_filters(mini_index) -> None:  # noqa: ANN001
    assert mini_index.searcher.search("   ") == []
    assert mini_index.searcher.search("thi hành án", filters=SearchFilters(kind="nghị định")) == []


# --- LangChain -------------------------------------------------------------------------------


def test_hybrid_retriever_in_a_langchain_chain(mini_index) -> None:  # noqa: ANN001
    from langchain_core.runnables import RunnableLambda

    retriever = HybridRetriever(searcher=mini_index.searcher, k=2)
    docs = retriever.invoke("thoi hieu yeu cau thi hanh an")
    assert len(docs) == 2 and "05 năm" in docs[0].page_content
    assert docs[0].metadata["citation"] and "text" not in docs[0].metadata
    chain = retriever | RunnableLambda(lambda ds: "\n".join(d.metadata["citation"] for d in ds))
    assert chain.invoke("cưỡng chế ban đêm").splitlines()[0].startswith("Điều")
    filtered = HybridRetriever(searcher=mini_index.searcher, k=5, filters=SearchFilters(kind="báo cáo"))
    assert {d.metadata["kind"] for d in filtered.invoke("thi hành án")} == {"báo cáo"}


def test_langchain_embeddings_in_a_langchain_vector_store(embedder) -> None:  # noqa: ANN001
    from langchain_core.vectorstores import InMemoryVectorStore

    from retrieval.embeddings import LangChainEmbeddings

    embeddings = LangChainEmbeddings(embedder)
    vectors = embeddings.embed_documents(["thời hiệu thi hành án", "phí thi hành án"])
    assert len(vectors) == 2 and len(vectors[0]) == embedder.dim
    assert len(embeddings.embed_query("thời hiệu")) == embedder.dim
    store = InMemoryVectorStore.from_texts(
        ["Thời hiệu yêu cầu thi hành án là 05 năm.", "Phí thi hành án là 3% số tiền thực nhận.",
         "Chấp hành viên xác minh tài sản."], embedding=embeddings)
    assert store.similarity_search("thời hạn yêu cầu thi hành án là bao lâu", k=1)[0].page_content.startswith("Thời hiệu")


# --- eval ------------------------------------------------------------------------------------


EVAL = [
    {"id": "e1", "question": "Thời hiệu yêu cầu thi hành án là bao lâu?", "evidence": ["05 năm"]},
    {"id": "e2", "question": "thads thi hanh xong bao nhieu phan tram ve viec", "evidence": ["83,23%"]},
    {"id": "e3", "question": "Ai xác minh tài sản của người phải thi hành án?", "evidence": ["CHV tiến hành xác minh"]},
    {"id": "e4", "question": "Giá vàng hôm nay là bao nhiêu?", "evidence": [], "abstain": True},
]


def test_eval_json_schema(mini_index, tmp_path: Path) -> None:  # noqa: ANN001
    eval_file = tmp_path / "tiny.jsonl"
    eval_file.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in EVAL) + "\n", encoding="utf-8")
    data_dir = str(mini_index.settings.data_dir)
    result = CliRunner().invoke(app, ["eval", str(eval_file), "--json", "--no-answers", "--data-dir", data_dir],
                                env={"THADS_EMBED_THREADS": "1"})
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {"summary", "items"} <= set(out)
    summary = out["summary"]
    assert set(summary) == {"n", "hit@1", "hit@5", "mrr@10", "answer_contains", "abstain_accuracy"}
    assert summary["n"] == 3  # abstain items are not scored for retrieval
    assert summary["hit@5"] == 1.0 and summary["hit@1"] >= 2 / 3 and 0 < summary["mrr@10"] <= 1
    assert summary["answer_contains"] is None and summary["abstain_accuracy"] is None
    assert [i["id"] for i in out["items"]] == ["e1", "e2", "e3", "e4"]
    for item in out["items"]:
        assert set(item) == {"id", "hit_rank", "abstained", "answer"}
        assert item["abstained"] is None and item["answer"] is None
    assert out["items"][0]["hit_rank"] == 1 and out["items"][3]["hit_rank"] is None


def test_eval_rejects_a_malformed_line(mini_index, tmp_path: Path) -> None:  # noqa: ANN001
    eval_file = tmp_path / "bad.jsonl"
    eval_file.write_text('{"id": "x", "question": "a", "evidence": []}\n{"question": \n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(eval_file), "--no-answers", "--data-dir", str(mini_index.settings.data_dir)])
    assert result.exit_code != 0
    assert "bad.jsonl:2" in str(result.exception) or "bad.jsonl:2" in result.output
