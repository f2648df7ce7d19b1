"""Optional semantic dedup: texts whose embeddings are nearly parallel say the same thing.

MinHash catches copies with small edits; it misses paraphrases ("营收增长12%" vs "收入同比增加
12%"). Here any Hugging Face encoder or causal LM (a local folder, a hub id, ``embedded:…``)
embeds each text by mean-pooling its last hidden states; pairs with cosine similarity at or
above the threshold are grouped (union-find) and one representative per group is kept.
Off by default: it costs a forward pass per text, and a general model's idea of "the same"
should be checked on a sample before trusting it with a corpus.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vertune.data.dedup import Removed, components

BLOCK = 1024
"""Rows of the similarity matrix computed at once (BLOCK x n floats)."""


def embed_texts(texts: Sequence[str], model: str, batch_size: int = 16, max_length: int = 256) -> np.ndarray:
    """L2-normalised mean-pooled embeddings, one row per text."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from vertune.model.loading import resolve_model_path

    path = resolve_model_path(model)
    tokenizer = AutoTokenizer.from_pretrained(path)
    encoder = AutoModel.from_pretrained(path).eval()
    rows = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(list(texts[start : start + batch_size]), padding=True, truncation=True,
                              max_length=max_length, return_tensors="pt")
            hidden = encoder(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            rows.append(((hidden * mask).sum(1) / mask.sum(1).clamp(min=1)).float().numpy())
    vectors = np.concatenate(rows) if rows else np.zeros((0, 1), dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def similar_pairs(vectors: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """Every pair ``(i, j, cosine)`` with ``i < j`` and cosine ≥ threshold, block by block."""
    pairs = []
    for start in range(0, len(vectors), BLOCK):
        sims = vectors[start : start + BLOCK] @ vectors.T
        rows, cols = np.nonzero(sims >= threshold)
        for r, c in zip(rows.tolist(), cols.tolist()):
            if start + r < c:
                pairs.append((start + r, c, float(sims[r, c])))
    return pairs


def semantic_dedup(ids: Sequence[str], texts: Sequence[str], vectors: np.ndarray, threshold: float) -> list[Removed]:
    """The items to drop: all but the longest text of each group of semantic near-duplicates."""
    pairs = similar_pairs(vectors, threshold)
    removed = []
    for group in components(len(ids), ((i, j) for i, j, _ in pairs)):
        if len(group) < 2:
            continue
        kept = max(group, key=lambda n: (len(texts[n]), -n))
        for n in group:
            if n != kept:
                cosine = float(vectors[n] @ vectors[kept])
                removed.append(Removed(ids[n], ids[kept], cosine, "semantic"))
    return removed
