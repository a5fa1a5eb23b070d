"""Vietnamese text handling: NFC, one tone-mark placement, folding, BM25 terms, abbreviations."""

from __future__ import annotations

import unicodedata

import pytest

from retrieval.textnorm import expand_query_text, fold, has_diacritics, keyword_tokens, normalize, syllables


def test_decomposed_input_becomes_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "thời hiệu yêu cầu thi hành án")
    assert decomposed != "thời hiệu yêu cầu thi hành án"
    assert normalize(decomposed) == "thời hiệu yêu cầu thi hành án"


@pytest.mark.parametrize(
    ("old_style", "new_style"),
    [("hoà", "hòa"), ("thuý", "thúy"), ("Hoà giải", "Hòa giải"), ("khoẻ", "khỏe"), ("HOÀ", "HÒA"), ("uỷ ban", "ủy ban")],
)
def test_one_tone_mark_placement(old_style: str, new_style: str) -> None:
    assert normalize(old_style) == normalize(new_style) == new_style
    assert keyword_tokens(old_style) == keyword_tokens(new_style)


@pytest.mark.parametrize("word", ["hoàng", "quý", "thuyền", "toán"])
def test_placement_leaves_closed_syllables_and_qu_alone(word: str) -> None:
    assert normalize(word) == word


def test_fold_removes_diacritics_and_d_stroke() -> None:
    assert fold("Thời hiệu ĐƯỢC Đảm bảo") == "thoi hieu duoc dam bao"
    assert has_diacritics("thời hạn") and not has_diacritics("thoi han")


def test_numbers_stay_whole() -> None:
    assert syllables("Luật số 26/2008/QH12 có 1.549 trường hợp, 83,23%") == [
        "luat", "so", "26/2008/qh12", "co", "1.549", "truong", "hop", "83,23"]


def test_keyword_tokens_are_folded_syllables_and_bigrams() -> None:
    tokens = keyword_tokens("Thời hiệu thi hành án")
    assert tokens[:5] == ["thoi", "hieu", "thi", "hanh", "an"]
    assert "thoi_hieu" in tokens and "hanh_an" in tokens
    assert keyword_tokens("thoi hieu thi hanh an")[:9] == tokens[:9]


def test_abbreviation_expands_to_its_words() -> None:
    tokens = keyword_tokens("Cục THADS tỉnh")
    assert {"thi", "hanh", "an", "dan", "su"} <= set(tokens)


def test_expansion_adds_its_abbreviation() -> None:
    assert "thads" in keyword_tokens("cơ quan thi hành án dân sự")
    assert "chv" in keyword_tokens("Chấp hành viên xác minh")


def test_dense_query_spells_abbreviations_out() -> None:
    assert expand_query_text("CHV xác minh") == "CHV (chấp hành viên) xác minh"
    # Short lower-case words that happen to be abbreviations ('tc', 'kn') are left alone.
    assert expand_query_text("tc") == "tc"
