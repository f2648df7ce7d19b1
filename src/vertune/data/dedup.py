"""Exact and near-duplicate removal: normalised-text hashing, then MinHash LSH.

Near duplicates are found on character n-gram shingles (default 5) of the lower-cased text
with all whitespace removed, so Chinese, which has no spaces, works the same as English.

Speed comes from doing the MinHash with numpy instead of one Python call per shingle: all
shingles of a batch of documents are hashed at once (a polynomial hash of their code points,
mixed by the MurmurHash3 finaliser), the ``num_perm`` affine permutations ``a * h + b`` (mod
2**32, ``a`` odd, as datasketch's ``affine32`` scheme) are one matrix operation, and
``np.minimum.reduceat`` takes every document's minimum at once. LSH banding is done with
sorted band keys. Candidate pairs are always verified by their estimated Jaccard similarity,
so the band layout leans towards recall: a spurious candidate costs a comparison, a missed
one costs a duplicate.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from vertune.data.clean import category_ranges

DEFAULT_THRESHOLD = 0.8
DEFAULT_NUM_PERM = 128
DEFAULT_NGRAM = 5
# Weight of a missed pair against a spurious candidate when choosing bands x rows.
FALSE_NEGATIVE_WEIGHT = 0.9
# Shingles hashed per batch of documents, and permuted per step: the (shingles x num_perm)
# uint32 matrix of one step is 32 MiB at 128 permutations.
BATCH_SHINGLES = 1 << 20
PERMUTE_ROWS = 1 << 16
# A band bucket larger than this is paired to its first member only, not all-pairs, so that a
# mass of boilerplate documents cannot make the candidate count quadratic.
MAX_BUCKET_PAIRS = 32

_WHITESPACE = re.compile(r"\s+")
_U32 = np.uint32
_U64 = np.uint64

Kind = Literal["exact", "near", "semantic"]


@dataclass(frozen=True)
class Removed:
    """A dropped item, the kept item it duplicates, and their similarity (1.0 for exact)."""

    id: str
    kept_id: str
    similarity: float
    kind: Kind


@dataclass(frozen=True)
class DedupResult:
    keep_ids: list[str]
    removed: list[Removed]
    clusters: list[list[str]]  # every duplicate group (size > 1), its kept item first


# --- grouping ----------------------------------------------------------------------------


def components(n: int, pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components of nodes ``0..n-1`` linked by ``pairs`` (union-find), each sorted."""
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for x in range(n):
        groups.setdefault(root(x), []).append(x)
    return list(groups.values())


# --- exact --------------------------------------------------------------------------------


# Dropped before exact comparison: punctuation, separators, controls and format characters.
_INSIGNIFICANT = ("Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "Zs", "Zl", "Zp", "Cc", "Cf")


@lru_cache(maxsize=1)
def _insignificant_table() -> dict[int, None]:
    return {cp: None for lo, hi in category_ranges(_INSIGNIFICANT) for cp in range(lo, hi + 1)}


def exact_key(text: str) -> str:
    """Hash of the text after NFKC, case folding and removing whitespace and punctuation."""
    drop = _insignificant_table()
    normal = text.casefold().translate(drop)
    # Dropping punctuation first leaves most Chinese text already NFKC-normal: a cheap check.
    if not unicodedata.is_normalized("NFKC", normal):
        normal = unicodedata.normalize("NFKC", normal).casefold().translate(drop)
    return hashlib.blake2b(normal.encode("utf-8"), digest_size=16).hexdigest()


# --- MinHash ------------------------------------------------------------------------------


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: spreads every input bit over all output bits."""
    h ^= h >> _U64(33)
    h *= _U64(0xFF51AFD7ED558CCD)
    h ^= h >> _U64(33)
    h *= _U64(0xC4CEB9FE1A85EC53)
    h ^= h >> _U64(33)
    return h


@dataclass(frozen=True)
class _Hashing:
    """Seeded parameters: per-position multipliers of the shingle hash, and permutations."""

    position: np.ndarray  # (ngram,) uint64
    a: np.ndarray  # (num_perm,) uint32, odd
    b: np.ndarray  # (num_perm,) uint32

    @classmethod
    def make(cls, num_perm: int, ngram: int, seed: int) -> _Hashing:
        rng = np.random.default_rng(seed)
        position = rng.integers(0, 1 << 63, ngram, dtype=_U64) * _U64(2) + _U64(1)
        a = rng.integers(0, 1 << 31, num_perm, dtype=_U32) * _U32(2) + _U32(1)
        b = rng.integers(0, 1 << 32, num_perm, dtype=np.uint64).astype(_U32)
        return cls(position, a, b)


def shingle_text(text: str) -> str:
    """The text shingles are taken from: lower case, no whitespace."""
    return _WHITESPACE.sub("", text.lower())


def _batches(lengths: Sequence[int], ngram: int) -> Iterator[range]:
    """Runs of consecutive documents holding about ``BATCH_SHINGLES`` shingles each."""
    start, total = 0, 0
    for i, length in enumerate(lengths):
        total += max(length - ngram + 1, 1)
        if total >= BATCH_SHINGLES:
            yield range(start, i + 1)
            start, total = i + 1, 0
    if start < len(lengths):
        yield range(start, len(lengths))


def _shingle_hashes(texts: Sequence[str], ngram: int, hashing: _Hashing) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of all shingles of the non-empty ``texts``, and where each text's start.

    Texts are joined with ``ngram - 1`` NUL separators, so a text shorter than ``ngram`` gives
    exactly one shingle (itself, padded) and no window of a longer text crosses into the next.
    """
    pad = "\0" * (ngram - 1)
    points = np.frombuffer((pad.join(texts) + pad).encode("utf-32-le"), dtype=_U32).astype(_U64)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    starts = np.concatenate(([0], np.cumsum(lengths + ngram - 1)[:-1]))
    counts = np.maximum(lengths - ngram + 1, 1)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    positions = np.repeat(starts - first, counts) + np.arange(counts.sum())
    hashed = np.zeros(len(positions), dtype=_U64)
    for k, multiplier in enumerate(hashing.position):
        hashed += points[positions + k] * multiplier
    return (_fmix64(hashed) >> _U64(32)).astype(_U32), first


def _signature_batch(texts: Sequence[str], ngram: int, hashing: _Hashing) -> np.ndarray:
    """Signatures (len(texts), num_perm) of non-empty ``texts``, permuting ``PERMUTE_ROWS``
    shingles at a time so that one huge text cannot blow up memory."""
    shingles, first = _shingle_hashes(texts, ngram, hashing)
    out = np.full((len(texts), len(hashing.a)), np.iinfo(_U32).max, dtype=_U32)
    for lo in range(0, len(shingles), PERMUTE_ROWS):
        hi = min(lo + PERMUTE_ROWS, len(shingles))
        permuted = np.multiply(hashing.a[:, None], shingles[None, lo:hi])
        permuted += hashing.b[:, None]
        d0 = int(np.searchsorted(first, lo, side="right")) - 1
        d1 = int(np.searchsorted(first, hi - 1, side="right"))
        segments = np.maximum(first[d0:d1], lo) - lo
        minima = np.minimum.reduceat(permuted, segments, axis=1).T
        np.minimum(out[d0:d1], minima, out=out[d0:d1])
    return out


def minhash_signatures(
    texts: Sequence[str],
    num_perm: int = DEFAULT_NUM_PERM,
    ngram: int = DEFAULT_NGRAM,
    seed: int = 1,
) -> np.ndarray:
    """MinHash signatures, (len(texts), num_perm) uint32, of each text's character n-grams.

    An empty text (after dropping whitespace) has no shingles; its row is all 2**32 - 1.
    """
    hashing = _Hashing.make(num_perm, ngram, seed)
    shingled = [shingle_text(t) for t in texts]
    present = [i for i, t in enumerate(shingled) if t]
    signatures = np.full((len(texts), num_perm), np.iinfo(_U32).max, dtype=_U32)
    lengths = [len(shingled[i]) for i in present]
    for batch in _batches(lengths, ngram):
        rows = [present[j] for j in batch]
        signatures[rows] = _signature_batch([shingled[i] for i in rows], ngram, hashing)
    return signatures


# --- LSH ----------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) minimising the weighted area of missed pairs above ``threshold`` and
    candidates below it, as datasketch's ``MinHashLSH`` does, with recall weighted up."""
    s = np.linspace(0.0, 1.0, 2001)
    below, above = s <= threshold, s >= threshold
    best, best_error = (1, num_perm), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            p = 1.0 - (1.0 - s**rows) ** bands
            fp = p[below].mean() * threshold  # area under p on [0, threshold]
            fn = (1.0 - p[above]).mean() * (1.0 - threshold)
            error = (1 - FALSE_NEGATIVE_WEIGHT) * fp + FALSE_NEGATIVE_WEIGHT * fn
            if error < best_error:
                best, best_error = (bands, rows), error
    return best


def _bucket_pairs(keys: np.ndarray, members: np.ndarray) -> list[np.ndarray]:
    """Index pairs (2, k) of ``members`` that share a key."""
    order = np.argsort(keys, kind="stable")
    keys, members = keys[order], members[order]
    edges = np.flatnonzero(np.diff(keys)) + 1
    starts = np.concatenate(([0], edges))
    sizes = np.diff(np.concatenate((starts, [len(keys)])))
    twos = starts[sizes == 2]
    out = [np.stack((members[twos], members[twos + 1]))]
    for start, size in zip(starts[sizes > 2], sizes[sizes > 2]):
        bucket = members[start : start + size]
        if size <= MAX_BUCKET_PAIRS:
            i, j = np.triu_indices(size, k=1)
            out.append(np.stack((bucket[i], bucket[j])))
        else:
            out.append(np.stack((np.full(size - 1, bucket[0]), bucket[1:])))
    return out


def estimated_jaccard(
    signatures: np.ndarray, left: np.ndarray | Sequence[int], right: np.ndarray | Sequence[int]
) -> np.ndarray:
    """Share of equal MinHash values between rows ``left[i]`` and ``right[i]``, in steps that
    bound memory."""
    step = 1 << 16
    parts = [
        (signatures[left[i : i + step]] == signatures[right[i : i + step]]).mean(axis=1)
        for i in range(0, len(left), step)
    ]
    return np.concatenate(parts) if parts else np.empty(0)


def similar_pairs(signatures: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (2, k) of row indices whose estimated Jaccard is >= ``threshold``, and the estimates.

    All-max rows (empty texts) take no part.
    """
    n, num_perm = signatures.shape
    bands, rows = lsh_bands(threshold, num_perm)
    members = np.flatnonzero((signatures != np.iinfo(_U32).max).any(axis=1))
    mixers = np.random.default_rng(0).integers(0, 1 << 63, rows, dtype=_U64) * _U64(2) + _U64(1)
    found: list[np.ndarray] = []
    for band in range(bands):
        block = signatures[members, band * rows : (band + 1) * rows].astype(_U64)
        found.extend(_bucket_pairs(_fmix64(block * mixers).sum(axis=1, dtype=_U64), members))
    pairs = np.concatenate(found, axis=1)
    low, high = np.minimum(pairs[0], pairs[1]), np.maximum(pairs[0], pairs[1])
    unique = np.unique(low.astype(np.int64) * n + high)
    low, high = unique // n, unique % n
    sims = estimated_jaccard(signatures, low, high)
    keep = sims >= threshold
    return np.stack((low[keep], high[keep])), sims[keep]


# --- dedup --------------------------------------------------------------------------------


def _near_groups(
    texts: Sequence[str], threshold: float, num_perm: int, ngram: int, seed: int
) -> tuple[list[list[int]], np.ndarray]:
    signatures = minhash_signatures(texts, num_perm=num_perm, ngram=ngram, seed=seed)
    pairs, _ = similar_pairs(signatures, threshold)
    return components(len(texts), zip(pairs[0].tolist(), pairs[1].tolist())), signatures


def near_duplicate_groups(
    items: Sequence[tuple[str, str]],
    threshold: float = DEFAULT_THRESHOLD,
    num_perm: int = DEFAULT_NUM_PERM,
    ngram: int = DEFAULT_NGRAM,
    seed: int = 1,
) -> list[list[str]]:
    """Ids of ``(id, text)`` items that are near (or exact) duplicates, in groups of two or more.

    For the splitter: a group must land in one split, whether or not it was deduplicated.
    """
    groups, _ = _near_groups([text for _, text in items], threshold, num_perm, ngram, seed)
    return [[items[i][0] for i in group] for group in groups if len(group) > 1]


def dedup(
    items: Sequence[tuple[str, str]],
    threshold: float = DEFAULT_THRESHOLD,
    num_perm: int = DEFAULT_NUM_PERM,
    ngram: int = DEFAULT_NGRAM,
    seed: int = 1,
    exact: bool = True,
    near: bool = True,
    score: Callable[[str, str], float] | None = None,
) -> DedupResult:
    """Keep one item per group of exact or near duplicates among ``(id, text)`` items.

    The kept item is the best by ``score(id, text)`` (default: the longest text); ties go to the
    earlier item. A removed item names the kept item of its group and their similarity: 1.0
    for an exact duplicate, else the estimated Jaccard, which can be under ``threshold`` when
    the group is a chain (a ~ b ~ c). Texts that are empty after dropping whitespace are only
    caught by exact dedup. ``exact`` and ``near`` switch the two passes.
    """
    texts = [text for _, text in items]
    rank = [(score(i, t) if score else len(t), len(t), -n) for n, (i, t) in enumerate(items)]

    def best(group: list[int]) -> int:
        return max(group, key=rank.__getitem__)

    keys = [exact_key(t) for t in texts] if exact else [str(n) for n in range(len(items))]
    by_key: dict[str, list[int]] = {}
    for n, key in enumerate(keys):
        by_key.setdefault(key, []).append(n)
    exact_rep = {n: best(group) for group in by_key.values() for n in group}
    reps = sorted(set(exact_rep.values()))

    if near:
        groups, signatures = _near_groups([texts[r] for r in reps], threshold, num_perm, ngram, seed)
    else:
        groups, signatures = [[k] for k in range(len(reps))], np.empty((0, num_perm), dtype=_U32)
    row = {r: k for k, r in enumerate(reps)}
    members_of: dict[int, list[int]] = {}
    for n, r in exact_rep.items():
        members_of.setdefault(r, []).append(n)

    keep: list[int] = []
    removed: list[Removed] = []
    clusters: list[list[str]] = []
    for group in groups:
        kept = best([reps[k] for k in group])
        keep.append(kept)
        members = sorted(n for k in group for n in members_of[reps[k]])
        if len(members) > 1:
            clusters.append([items[kept][0]] + [items[n][0] for n in members if n != kept])
        for n in members:
            if n == kept:
                continue
            if keys[n] == keys[kept]:
                removed.append(Removed(items[n][0], items[kept][0], 1.0, "exact"))
            else:
                similarity = estimated_jaccard(signatures, [row[exact_rep[n]]], [row[kept]])[0]
                removed.append(Removed(items[n][0], items[kept][0], float(similarity), "near"))
    keep.sort()
    return DedupResult([items[n][0] for n in keep], removed, clusters)
