"""Putting diacritics back on a query typed without them, from the corpus's own usage.

'con bao nhieu viec da co quyet dinh cuong che' → 'còn bao nhiêu việc đã có quyết định cưỡng chế':
each folded syllable takes the accented form seen most often after the previous accented syllable
(bigram counts), else the most frequent form overall. Only the dense model gets the restored text;
keyword search matches folded text anyway."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from retrieval.textnorm import fold, normalize

_SYLLABLE = re.compile(r"\w+", re.U)


class DiacriticRestorer:
    def __init__(self, unigrams: dict[str, str], bigrams: dict[str, str]) -> None:
        self.unigrams = unigrams  # folded → accented
        self.bigrams = bigrams  # "prev_accented folded" → accented

    @classmethod
    def train(cls, texts: Iterable[str]) -> "DiacriticRestorer":
        uni: dict[str, Counter[str]] = defaultdict(Counter)
        bi: dict[str, Counter[str]] = defaultdict(Counter)
        for text in texts:
            words = [w.lower() for w in _SYLLABLE.findall(normalize(text))]
            for i, word in enumerate(words):
                folded = fold(word)
                uni[folded][word] += 1
                if i:
                    bi[f"{words[i - 1]} {folded}"][word] += 1
        return cls(
            {k: c.most_common(1)[0][0] for k, c in uni.items()},
            {k: c.most_common(1)[0][0] for k, c in bi.items() if sum(c.values()) >= 2},
        )

    def restore(self, text: str) -> str:
        out: list[str] = []
        previous = ""
        for token in re.split(r"(\W+)", text):
            if not token or not _SYLLABLE.fullmatch(token):
                out.append(token)
                continue
            folded = fold(token)
            accented = self.bigrams.get(f"{previous} {folded}") or self.unigrams.get(folded) or token.lower()
            out.append(accented.upper() if token.isupper() and len(token) > 1 else accented)
            previous = accented
        return "".join(out)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"u": self.unigrams, "b": self.bigrams}, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> "DiacriticRestorer | None":
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        return cls(data["u"], data["b"])
