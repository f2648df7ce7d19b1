"""Exact and near-duplicate removal: normalised-text hashing, then MinHash LSH.

Both passes look at the text folded for comparison: NFKC (full-width forms become ASCII), case
folded, and without whitespace or punctuation, so a copy that only changed width or
punctuation is an exact duplicate and Chinese, which has no spaces, works the same as English.
The fold is for comparison only: the kept text keeps its symbols. Near duplicates are found on
character n-gram shingles (default 5) of the folded text.

Speed comes from doing the MinHash with numpy instead of one Python call per shingle: all
shingles of a batch of documents are hashed at once (a polynomial hash of their code points,
mixed by the MurmurHash3 finaliser), the ``num_perm`` affine permutations ``a * h + b`` (mod
2**32, ``a`` odd, as datasketch's ``affine32`` scheme) are one matrix operation, and
``np.minimum.reduceat`` takes every document's minimum at once. LSH banding is done with
sorted band keys.

Two texts are near duplicates when the Jaccard similarity of their shingle sets reaches
``threshold``, or when one holds at least ``containment`` of the other's shingles while keeping
at least ``MIN_CONTAINED_SHARE`` of their number: a copy that lost a sentence has a Jaccard
similarity of only 0.65-0.75 to its original but is almost wholly contained in it. The LSH
bands are laid out for the lowest Jaccard similarity either test lets through, candidates
whose estimated similarity is far below it are dropped, and the rest are verified on their
actual shingle sets, so the band layout leans towards recall: a spurious candidate costs a
comparison, a missed one costs a duplicate.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from vertune.data.clean import category_ranges, noise

DEFAULT_THRESHOLD = 0.8
DEFAULT_CONTAINMENT = 0.9
# A contained copy must keep at least this share of the larger set's shingles: a one-line text
# inside a long one is a quotation, not a copy.
MIN_CONTAINED_SHARE = 0.6
# Candidates whose estimated Jaccard is this far under the lowest one that can pass are not
# verified: 2.5 standard errors of the estimate at 128 permutations.
ESTIMATE_MARGIN = 0.1
# Characters of the texts whose shingle sets are built at once to verify candidate pairs.
VERIFY_SHINGLES = 1 << 21
DEFAULT_NUM_PERM = 128
DEFAULT_NGRAM = 5
# Weight of a missed pair against a spurious candidate when choosing bands x rows.
FALSE_NEGATIVE_WEIGHT = 0.9
# Shingles hashed per batch of documents, and permuted per step: the (num_perm x shingles)
# uint32 matrix of one step is 4 MiB at 128 permutations, reused from step to step so that it
# stays in the CPU cache (2.4x faster than a fresh 32 MiB one per step).
BATCH_SHINGLES = 1 << 20
PERMUTE_ROWS = 1 << 13
# A band bucket larger than this is paired to its first member only, not all-pairs, so that a
# mass of boilerplate documents cannot make the candidate count quadratic.
MAX_BUCKET_PAIRS = 32

_U32 = np.uint32
_U64 = np.uint64

Kind = Literal["exact", "near", "semantic"]


@dataclass(frozen=True)
class Removed:
    """A dropped item, the kept item it duplicates, and their similarity (1.0 for exact).

    For a near duplicate, ``containment`` is the share of the smaller shingle set found in the
    larger: high while ``similarity`` (Jaccard) is low means one copy lost a part of the text.
    """

    id: str
    kept_id: str
    similarity: float
    kind: Kind
    containment: float | None = None


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
def _insignificant_mask() -> np.ndarray:
    """A flag per code point: True where the character is dropped before comparison."""
    mask = np.zeros(0x110000, dtype=bool)
    for lo, hi in category_ranges(_INSIGNIFICANT):
        mask[lo : hi + 1] = True
    return mask


def _drop_insignificant(text: str) -> str:
    """``text`` without its insignificant characters, done on code points with numpy: three
    times faster than ``str.translate`` over a dict, which costs a lookup per character."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=_U32)
    return points[~_insignificant_mask()[points]].tobytes().decode("utf-32-le")


def shingle_text(text: str) -> str:
    """The text compared for duplicates: NFKC, case folded, without whitespace and punctuation."""
    normal = _drop_insignificant(text.casefold())
    # Dropping punctuation first leaves most Chinese text already NFKC-normal: a cheap check.
    if not unicodedata.is_normalized("NFKC", normal):
        normal = _drop_insignificant(unicodedata.normalize("NFKC", normal).casefold())
    return normal


def _digest(folded: str) -> str:
    return hashlib.blake2b(folded.encode("utf-8"), digest_size=16).hexdigest()


def exact_key(text: str) -> str:
    """Hash of the text after NFKC, case folding and removing whitespace and punctuation."""
    return _digest(shingle_text(text))


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
    """64-bit hashes of all shingles of the non-empty ``texts``, and where each text's start.

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
    return _fmix64(hashed), first


def _signature_batch(texts: Sequence[str], ngram: int, hashing: _Hashing) -> np.ndarray:
    """Signatures (len(texts), num_perm) of non-empty ``texts``, permuting ``PERMUTE_ROWS``
    shingles at a time so that one huge text cannot blow up memory."""
    hashed, first = _shingle_hashes(texts, ngram, hashing)
    shingles = (hashed >> _U64(32)).astype(_U32)
    out = np.full((len(texts), len(hashing.a)), np.iinfo(_U32).max, dtype=_U32)
    buffer = np.empty((len(hashing.a), PERMUTE_ROWS), dtype=_U32)
    for lo in range(0, len(shingles), PERMUTE_ROWS):
        hi = min(lo + PERMUTE_ROWS, len(shingles))
        permuted = buffer[:, : hi - lo]
        np.multiply(hashing.a[:, None], shingles[None, lo:hi], out=permuted)
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

    An empty text (after folding, see ``shingle_text``) has no shingles; its row is all 2**32 - 1.
    """
    return _folded_signatures([shingle_text(t) for t in texts], num_perm, ngram, seed)


def _folded_signatures(shingled: Sequence[str], num_perm: int, ngram: int, seed: int) -> np.ndarray:
    hashing = _Hashing.make(num_perm, ngram, seed)
    present = [i for i, t in enumerate(shingled) if t]
    signatures = np.full((len(shingled), num_perm), np.iinfo(_U32).max, dtype=_U32)
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


@lru_cache(maxsize=MAX_BUCKET_PAIRS + 1)
def _all_pairs(size: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(size, k=1)


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
            i, j = _all_pairs(int(size))
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


def candidate_pairs(signatures: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (2, k) of row indices that share an LSH band laid out for ``threshold``, each once
    and lower index first, and their estimated Jaccard. All-max rows (empty texts) take no part."""
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
    return np.stack((low, high)), estimated_jaccard(signatures, low, high)


def similar_pairs(signatures: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (2, k) of row indices whose estimated Jaccard is >= ``threshold``, and the estimates."""
    pairs, sims = candidate_pairs(signatures, threshold)
    keep = sims >= threshold
    return pairs[:, keep], sims[keep]


def jaccard_floor(threshold: float, containment: float | None) -> float:
    """The lowest Jaccard similarity of two sets that pass the Jaccard or the containment test:
    the smaller holding ``containment`` of its elements in the larger, at ``MIN_CONTAINED_SHARE``
    of its size, has J = c * r / (1 + r - c * r)."""
    if containment is None:
        return threshold
    c, r = containment, MIN_CONTAINED_SHARE
    return min(threshold, c * r / (1 + r - c * r))


class _Shingles:
    """Exact similarities of folded texts' shingle sets, compared as sorted arrays of 32-bit
    shingle hashes (two sets of 400 shingles share a spurious hash once in 25,000 pairs).

    Pairs are verified in steps; the sets of one step's texts are built with numpy for it and
    dropped after it, so memory stays bounded however many pairs there are. Three times faster
    than Python sets, which allocate an object per shingle.
    """

    def __init__(self, folded: Sequence[str], ngram: int, seed: int) -> None:
        self._folded, self._ngram = folded, ngram
        self._hashing = _Hashing.make(1, ngram, seed)

    def _steps(self, pairs: Sequence[tuple[int, int]]) -> Iterator[Sequence[tuple[int, int]]]:
        """Runs of ``pairs`` whose texts hold about ``VERIFY_SHINGLES`` characters in all."""
        start, seen, total = 0, set(), 0
        for n, pair in enumerate(pairs):
            for k in pair:
                if k not in seen:
                    seen.add(k)
                    total += len(self._folded[k])
            if total >= VERIFY_SHINGLES:
                yield pairs[start : n + 1]
                start, seen, total = n + 1, set(), 0
        if start < len(pairs):
            yield pairs[start:]

    def _sets(self, indices: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Sorted unique shingle hashes of the texts ``indices``, one after the other, and where
        each text's run starts (``len(indices) + 1`` bounds)."""
        hashed, first = _shingle_hashes([self._folded[k] for k in indices], self._ngram, self._hashing)
        counts = np.diff(np.append(first, len(hashed)))
        keys = np.repeat(np.arange(len(indices), dtype=_U64), counts) << _U64(32) | hashed >> _U64(32)
        keys.sort()
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
        bounds = np.searchsorted(keys >> _U64(32), np.arange(len(indices) + 1, dtype=_U64))
        return (keys & _U64(0xFFFFFFFF)).astype(_U32), bounds

    def similarities(self, pairs: Sequence[tuple[int, int]]) -> list[tuple[float, float, float]]:
        """Per pair: (Jaccard, containment of the smaller set in the larger, smaller / larger)."""
        out: list[tuple[float, float, float]] = []
        for step in self._steps(pairs):
            indices = sorted({k for pair in step for k in pair})
            local = {k: j for j, k in enumerate(indices)}
            values, bounds = self._sets(indices)
            for a, b in step:
                sa = values[bounds[local[a]] : bounds[local[a] + 1]]
                sb = values[bounds[local[b]] : bounds[local[b] + 1]]
                small, large = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
                at = np.searchsorted(large, small)
                at[at == len(large)] = 0
                common = int(np.count_nonzero(large[at] == small))
                out.append((common / (len(small) + len(large) - common), common / len(small), len(small) / len(large)))
        return out


def _is_near(jaccard: float, contained: float, share: float, threshold: float, containment: float | None) -> bool:
    return jaccard >= threshold or (
        containment is not None and contained >= containment and share >= MIN_CONTAINED_SHARE
    )


def _near_groups(
    folded: Sequence[str], threshold: float, containment: float | None, num_perm: int, ngram: int, seed: int
) -> tuple[list[list[int]], _Shingles]:
    """Groups of indices of near-duplicate ``folded`` texts, and their shingle sets."""
    signatures = _folded_signatures(folded, num_perm, ngram, seed)
    floor = jaccard_floor(threshold, containment)
    pairs, estimates = candidate_pairs(signatures, floor)
    shingles = _Shingles(folded, ngram, seed)
    likely = list(zip(*pairs[:, estimates >= floor - ESTIMATE_MARGIN].tolist()))
    verified = [
        pair
        for pair, similarity in zip(likely, shingles.similarities(likely))
        if _is_near(*similarity, threshold, containment)
    ]
    return components(len(folded), verified), shingles


def near_duplicate_groups(
    items: Sequence[tuple[str, str]],
    threshold: float = DEFAULT_THRESHOLD,
    num_perm: int = DEFAULT_NUM_PERM,
    ngram: int = DEFAULT_NGRAM,
    seed: int = 1,
    containment: float | None = DEFAULT_CONTAINMENT,
) -> list[list[str]]:
    """Ids of ``(id, text)`` items that are near (or exact) duplicates, in groups of two or more.

    For the splitter: a group must land in one split, whether or not it was deduplicated.
    """
    folded = [shingle_text(text) for _, text in items]
    groups, _ = _near_groups(folded, threshold, containment, num_perm, ngram, seed)
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
    containment: float | None = DEFAULT_CONTAINMENT,
) -> DedupResult:
    """Keep one item per group of exact or near duplicates among ``(id, text)`` items.

    The kept item is the best by ``score(id, text)``, default the cleanest (least
    ``clean.noise``), then the longest; ties go to the earlier item. A caller whose texts are
    already cleaned passes a score taken from the texts as they came in. A removed item names
    the kept item of its group and their similarity: 1.0 for an exact duplicate, else the
    Jaccard similarity of their shingle sets, which can be under ``threshold`` when the
    removed copy is contained in the kept one or the group is a chain (a ~ b ~ c).
    ``containment=None`` turns the containment test off. Texts that are empty after folding are
    only caught by exact dedup. ``exact`` and ``near`` switch the two passes.
    """
    texts = [text for _, text in items]

    def rank(n: int) -> tuple[float, int, int]:
        item_id, text = items[n]
        return (score(item_id, text) if score else -noise(text), len(text), -n)

    def best(group: list[int]) -> int:
        """Only members of groups are ranked: scoring every item would cost more than dedup."""
        return group[0] if len(group) == 1 else max(group, key=rank)

    folded = [shingle_text(t) for t in texts]
    keys = [_digest(f) for f in folded] if exact else [str(n) for n in range(len(items))]
    by_key: dict[str, list[int]] = {}
    for n, key in enumerate(keys):
        by_key.setdefault(key, []).append(n)
    exact_rep = {n: best(group) for group in by_key.values() for n in group}
    reps = sorted(set(exact_rep.values()))
    rep_folded = [folded[r] for r in reps]

    if near:
        groups, shingles = _near_groups(rep_folded, threshold, containment, num_perm, ngram, seed)
    else:
        groups, shingles = [[k] for k in range(len(reps))], _Shingles(rep_folded, ngram, seed)
    row = {r: k for k, r in enumerate(reps)}
    members_of: dict[int, list[int]] = {}
    for n, r in exact_rep.items():
        members_of.setdefault(r, []).append(n)

    keep: list[int] = []
    dropped: list[tuple[int, int]] = []  # (removed, kept) in log order
    clusters: list[list[str]] = []
    for group in groups:
        kept = best([reps[k] for k in group])
        keep.append(kept)
        members = sorted(n for k in group for n in members_of[reps[k]])
        if len(members) > 1:
            clusters.append([items[kept][0]] + [items[n][0] for n in members if n != kept])
        dropped.extend((n, kept) for n in members if n != kept)
    near_pairs = [(row[exact_rep[n]], row[kept]) for n, kept in dropped if keys[n] != keys[kept]]
    similarities = iter(shingles.similarities(near_pairs))
    removed: list[Removed] = []
    for n, kept in dropped:
        if keys[n] == keys[kept]:
            removed.append(Removed(items[n][0], items[kept][0], 1.0, "exact"))
        else:
            jaccard, contained, _ = next(similarities)
            removed.append(Removed(items[n][0], items[kept][0], jaccard, "near", contained))
    keep.sort()
    return DedupResult([items[n][0] for n in keep], removed, clusters)
