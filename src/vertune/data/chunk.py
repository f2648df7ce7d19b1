"""Token-length normalisation: cut text into chunks that fit the model, measured by its own tokenizer.

Text is cut into atomic units first, then units are packed greedily into chunks of at most
``max_tokens``:

* a sentence ends at 。！？； (with any closing quotes or brackets), at . ! ? followed by
  whitespace or the end, and at a line break. A '.' or ',' between digits never ends
  anything, so "12.5", "1,234.56" and "600519.SH" stay whole;
* a markdown table (consecutive ``| a | b |`` lines) is one unit when it fits, else each row is
  one; a row is never cut across lines;
* a unit longer than ``max_tokens`` is cut as a last resort at the longest prefix that fits,
  moved back so that no ASCII word or number is cut; such chunks are marked ``forced``.

Every unit is tokenised once (one batched call), and so is each distinct whitespace string
between units; a chunk's ``n_tokens`` is the sum of its units' and inner gaps' counts, so no
growing chunk is re-tokenised. As tokenizers split at whitespace, the sum is in practice an
upper bound of the count of the joined text.

Overlap is counted in units (sentences or rows): each chunk after the first repeats up to
``overlap`` trailing units of the previous one, as long as the first new unit still fits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import accumulate
from typing import Any

import numpy as np

DEFAULT_MAX_TOKENS = 512

TokenCounter = Callable[[Sequence[str]], list[int]]

_SENTENCE_END = re.compile(r"[。！？；]+[”’」』）)\"']*|[.!?]+[”’」』）)\"']*(?=\s|$)")
_TABLE_ROW = re.compile(r"[ \t]*\|.*\|[ \t]*")
_UNBREAKABLE = re.compile(r"[0-9A-Za-z]+(?:[.,:/\-][0-9A-Za-z]+)*")
_LINE = re.compile(r"[^\n]+")

Span = tuple[int, int]


@dataclass(frozen=True)
class Chunk:
    text: str
    start: int  # char offsets in the source text: text == source[start:end]
    end: int
    n_tokens: int
    forced: bool = False  # holds a piece of a unit cut because it alone exceeded max_tokens


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    n_tokens: int
    forced: bool = False
    gap: int = 0  # tokens of the whitespace between the previous unit and this one


def token_counter(tokenizer: Any) -> TokenCounter:
    """Batch token counts, without special tokens, for a transformers tokenizer, a
    ``tokenizers.Tokenizer``, or any callable mapping a string to a sequence of tokens."""
    from transformers import PreTrainedTokenizerBase

    if not (callable(tokenizer) or hasattr(tokenizer, "encode_batch")):
        raise TypeError(f"cannot count tokens with {type(tokenizer).__name__}")

    def ids(texts: list[str]) -> list[Sequence[Any]]:
        if isinstance(tokenizer, PreTrainedTokenizerBase):
            return tokenizer(texts, add_special_tokens=False)["input_ids"]
        if hasattr(tokenizer, "encode_batch"):
            return [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]
        return [tokenizer(t) for t in texts]

    def count(texts: Sequence[str]) -> list[int]:
        return [len(tokens) for tokens in ids(list(texts))] if texts else []

    return count


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def segments(text: str) -> list[list[Span]]:
    """Atomic units in order: a sentence is ``[span]``, a table block the list of its row spans."""
    units: list[list[Span]] = []
    table: list[Span] = []
    for line in _LINE.finditer(text):
        if _TABLE_ROW.fullmatch(line.group()):
            table.append(_trimmed(text, *line.span()))  # type: ignore[arg-type]
            continue
        if table:
            units.append(table)
            table = []
        cuts = [line.start()] + [m.end() + line.start() for m in _SENTENCE_END.finditer(line.group())]
        for start, end in zip(cuts, cuts[1:] + [line.end()]):
            span = _trimmed(text, start, end)
            if span:
                units.append([span])
    if table:
        units.append(table)
    return units


def _fit(text: str, start: int, end: int, budget: int, count: TokenCounter) -> tuple[int, int]:
    """Largest ``k`` in (start, end] with ``text[start:k]`` within ``budget`` tokens, and its count.

    Gallops from ``budget`` characters, then bisects, so a huge unit costs O(log) calls on
    windows near the answer, not on the whole unit.
    """
    good, good_n, bad = start, 0, end + 1
    k = min(end, start + budget)
    while good < end:
        n = count([text[start:k]])[0]
        if n > budget:
            bad = k
            break
        good, good_n = k, n
        k = min(end, start + 2 * (k - start))
    while bad - good > 1:
        mid = (good + bad) // 2
        n = count([text[start:mid]])[0]
        if n <= budget:
            good, good_n = mid, n
        else:
            bad = mid
    if good == start:  # a single character over budget: take it anyway
        good = start + 1
        good_n = count([text[start:good]])[0]
    return good, good_n


def _snap_back(text: str, start: int, k: int) -> int:
    """Move a cut at ``k`` back to the start of a word or number it would split (if any)."""
    for word in _UNBREAKABLE.finditer(text, max(start, k - 64), k + 64):
        if word.start() < k < word.end() and word.start() > start:
            return word.start()
    return k


def _force_split(text: str, span: Span, budget: int, count: TokenCounter) -> list[_Unit]:
    """Cut one over-long unit into pieces of at most ``budget`` tokens."""
    start, end = span
    pieces: list[_Unit] = []
    while start < end:
        k, n = _fit(text, start, end, budget, count)
        snapped = _snap_back(text, start, k) if k < end else k
        if snapped != k:
            k, n = snapped, count([text[start:snapped]])[0]
        piece = _trimmed(text, start, k)
        if piece:
            pieces.append(_Unit(*piece, n_tokens=n, forced=True))
        start = k
    return pieces


def _units(text: str, max_tokens: int, count: TokenCounter) -> list[_Unit]:
    """Counted units, each within ``max_tokens``: tables fall back to rows, then to forced cuts."""
    blocks = segments(text)
    whole = [(block[0][0], block[-1][1]) for block in blocks]
    tokens = dict(zip(whole, count([text[s:e] for s, e in whole])))
    spans: list[Span] = []
    for block, span in zip(blocks, whole):
        spans.extend(block if tokens[span] > max_tokens and len(block) > 1 else [span])
    rows = [span for span in spans if span not in tokens]
    tokens.update(zip(rows, count([text[s:e] for s, e in rows])))
    units: list[_Unit] = []
    for span in spans:
        n = tokens[span]
        units.extend(_force_split(text, span, max_tokens, count) if n > max_tokens else [_Unit(*span, n)])
    return _with_gaps(text, units, count)


def _with_gaps(text: str, units: list[_Unit], count: TokenCounter) -> list[_Unit]:
    """Units with the tokens of the whitespace before each: the tokenizer sees it inside a chunk.

    Whitespace strings repeat (a line break, a space), so each distinct one is counted once.
    """
    gaps = [text[a.end : b.start] for a, b in zip(units, units[1:])]
    distinct = sorted(set(gaps) - {""})
    gap_tokens = {"": 0, **dict(zip(distinct, count(distinct)))}
    return units[:1] + [replace(unit, gap=gap_tokens[gap]) for unit, gap in zip(units[1:], gaps)]


def chunk_text(
    text: str,
    tokenizer: Any,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap: int = 0,
) -> list[Chunk]:
    """Split ``text`` into chunks of at most ``max_tokens`` tokens (see the module docstring).

    ``tokenizer`` is a transformers tokenizer, a ``tokenizers.Tokenizer``, or a callable from
    a string to its tokens (e.g. ``tok.encode``).
    """
    if max_tokens < 1 or overlap < 0:
        raise ValueError("max_tokens must be >= 1 and overlap >= 0")
    count = token_counter(tokenizer)
    units = _units(text, max_tokens, count)
    sums = [0, *accumulate(u.gap + u.n_tokens for u in units)]

    def tokens(i: int, j: int) -> int:  # units[i:j] as one chunk
        return sums[j] - sums[i] - units[i].gap

    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        j = i + 1
        while j < len(units) and tokens(i, j + 1) <= max_tokens:
            j += 1
        start, end = units[i].start, units[j - 1].end
        forced = any(u.forced for u in units[i:j])
        chunks.append(Chunk(text[start:end], start, end, tokens(i, j), forced))
        if j == len(units):
            break
        k = j
        while k > i + 1 and j - k < overlap and tokens(k - 1, j + 1) <= max_tokens:
            k -= 1
        i = k
    return chunks


def token_histogram(lengths: Sequence[int], edges: Sequence[int] = (64, 128, 256, 512, 1024, 2048, 4096)) -> dict:
    """Token-length summary for a manifest: counts per bucket and p50/p90/p99/max/mean."""
    values = np.asarray(lengths, dtype=np.int64)
    bounds = [0, *edges]
    buckets = {f"{lo + (lo > 0)}-{hi}": 0 for lo, hi in zip(bounds, bounds[1:])}
    buckets[f">{edges[-1]}"] = 0
    labels = list(buckets)
    for index, n in zip(*np.unique(np.searchsorted(edges, values, side="left"), return_counts=True)):
        buckets[labels[index]] = int(n)
    if not len(values):
        return {"count": 0, "buckets": buckets, "p50": 0, "p90": 0, "p99": 0, "max": 0, "mean": 0.0}
    pct = {f"p{q}": int(np.percentile(values, q, method="inverted_cdf")) for q in (50, 90, 99)}
    return {"count": int(len(values)), "buckets": buckets, **pct, "max": int(values.max()), "mean": float(values.mean())}
