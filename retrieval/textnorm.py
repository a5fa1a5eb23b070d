"""Vietnamese text handling: NFC, one tone-mark placement, diacritic folding, tokens, abbreviations."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền, sắc, hỏi, ngã, nặng
_GLIDES = (("o", "a"), ("o", "e"), ("u", "y"))


def _tone_moves() -> tuple[re.Pattern[str], dict[str, str]]:
    """'hoà' → 'hòa', 'thuý' → 'thúy': in open oa/oe/uy syllables the mark goes on the first vowel.

    Only where nothing follows the pair ('hoàng' keeps its mark on 'a'), and not after 'q' ('quý')."""
    table: dict[str, str] = {}
    for first, second in _GLIDES:
        for tone in _TONES:
            for f, s in ((first, second), (first.upper(), second.upper()), (first.upper(), second)):
                old = f + unicodedata.normalize("NFC", s + tone)
                table[old] = unicodedata.normalize("NFC", f + tone) + s
    pattern = re.compile(r"(?<![qQ])(" + "|".join(map(re.escape, table)) + r")(?!\w)")
    return pattern, table


_MOVE_PATTERN, _MOVES = _tone_moves()


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def normalize(text: str) -> str:
    """NFC plus one tone-mark placement; what every matching path sees."""
    return _MOVE_PATTERN.sub(lambda m: _MOVES[m.group(1)], nfc(text))


def fold(text: str) -> str:
    """Lower-case, no diacritics, đ → d: 'Thời hiệu' → 'thoi hieu'."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d")


def has_diacritics(text: str) -> bool:
    return fold(text) != text.lower()


def evidence_key(text: str) -> str:
    """The comparison form of the eval format: NFC, whitespace collapsed, case-folded."""
    return re.sub(r"\s+", " ", nfc(text)).strip().casefold()


_WORD = re.compile(r"[0-9a-z]+(?:[.,/][0-9a-z]+)*")


def syllables(text: str) -> list[str]:
    """Folded syllables (and numbers such as 26/2008 or 1.549 kept whole)."""
    return _WORD.findall(fold(text))


@lru_cache(maxsize=1)
def glossary_raw() -> dict[str, str]:
    """Abbreviation → expansion, as written (with diacritics)."""
    raw = yaml.safe_load((Path(__file__).parent / "data" / "glossary.yaml").read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in raw.items()}


@lru_cache(maxsize=1)
def glossary() -> dict[str, str]:
    """Abbreviation (folded) → expansion (folded)."""
    return {fold(k): fold(v) for k, v in glossary_raw().items()}


@lru_cache(maxsize=1)
def _expansion_index() -> dict[tuple[str, ...], str]:
    return {tuple(_WORD.findall(v)): k for k, v in glossary().items()}


def expand_abbreviations(tokens: list[str]) -> list[str]:
    """Extra tokens so abbreviations and their expansions match each other, both ways."""
    extra: list[str] = []
    table = glossary()
    for tok in tokens:
        if tok in table:
            extra.extend(_WORD.findall(table[tok]))
    for phrase, abbrev in _expansion_index().items():
        n = len(phrase)
        if n and any(tuple(tokens[i : i + n]) == phrase for i in range(len(tokens) - n + 1)):
            extra.append(abbrev)
    return extra


def keyword_tokens(text: str) -> list[str]:
    """BM25 terms: folded syllables + syllable bigrams (+ abbreviation/expansion terms)."""
    unigrams = syllables(text)
    bigrams = [f"{a}_{b}" for a, b in zip(unigrams, unigrams[1:])]
    return unigrams + bigrams + expand_abbreviations(unigrams)


def expand_query_text(text: str) -> str:
    """Query text for the dense model: abbreviations spelled out beside themselves."""
    table = {fold(k): v for k, v in glossary_raw().items()}
    out = []
    for word in normalize(text).split():
        key = fold(word.strip(",.?!:;()"))
        out.append(f"{word} ({table[key]})" if key in table and (word.strip(",.?!:;()").isupper() or len(key) >= 4) else word)
    return " ".join(out)
