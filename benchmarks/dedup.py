"""Benchmark: vertune's dedup against datasketch, per-shingle and fast API, on realistic reposts.

The documents come from ``vertune.data.synthetic.reposts``: templated Chinese finance stories,
reposts of some of them (a changed figure, a dropped sentence, full-width or ASCII
punctuation, a reordered clause, a repost note in front, a disclaimer after it, one to three at
once) and look-alikes written from the same templates about other companies. Every pipeline
runs in this process on the same documents; the script prints CPU and wall seconds, the speed
ratios, precision and recall against the planted groups, look-alikes merged, which copy each
group kept, and memory.

    .venv/bin/python benchmarks/dedup.py --docs 20000

Pipelines, all at Jaccard threshold 0.8, 128 permutations, 5-gram character shingles:

* datasketch per-shingle: one ``MinHash.update`` per shingle, ``MinHashLSH.insert``, ``query``,
  and a candidate is kept if ``MinHash.jaccard`` reaches the threshold;
* datasketch fast: the same with ``MinHash.bulk`` and ``MinHashLSH.insertion_session`` (its
  default SHA-1 hash function);
* vertune: ``vertune.data.dedup.dedup``, exact pass included, keeping the cleanest copy as the
  preprocess stage does (``noise`` of the text as it came in).

The speed comparison runs on the cleaned documents (``clean_text`` then ``strip_boilerplate``,
as preprocess does before dedup; cleaning is timed on its own). Quality is also shown on the raw
documents. datasketch's shingles are taken from the text lower-cased without whitespace, what a
user of it writes; vertune folds width and punctuation first. Quality is counted on pairs: a
predicted pair is two documents in one output cluster, a true pair two documents of one planted
group (an original and its reposts).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import resource
import time
import tracemalloc
from collections.abc import Callable, Sequence
from importlib.metadata import version
from typing import TypeVar

import numpy as np
from datasketch import MinHash, MinHashLSH

from vertune.data.clean import clean_text, noise, strip_boilerplate
from vertune.data.dedup import DEFAULT_NGRAM, DEFAULT_NUM_PERM, DEFAULT_THRESHOLD, components, dedup, shingle_text
from vertune.data.synthetic.reposts import RepostSet, repost_set

T = TypeVar("T")
_WHITESPACE = re.compile(r"\s+")


def plain_shingles(text: str, n: int = DEFAULT_NGRAM) -> list[bytes]:
    """What a datasketch user hashes: 5-grams of the lower-cased text without whitespace."""
    text = _WHITESPACE.sub("", text.lower())
    return [s.encode("utf-8") for s in {text[i : i + n] for i in range(max(len(text) - n + 1, 1))}]


def folded_jaccard(a: str, b: str, n: int = DEFAULT_NGRAM) -> float:
    """Jaccard similarity of the shingle sets vertune compares."""
    fa, fb = shingle_text(a), shingle_text(b)
    sa = {fa[i : i + n] for i in range(max(len(fa) - n + 1, 1))}
    sb = {fb[i : i + n] for i in range(max(len(fb) - n + 1, 1))}
    return len(sa & sb) / len(sa | sb)


def _lsh_groups(sketches: Sequence[MinHash], lsh: MinHashLSH, threshold: float) -> list[list[int]]:
    pairs = [
        (n, other)
        for n, m in enumerate(sketches)
        for other in lsh.query(m)
        if other > n and m.jaccard(sketches[other]) >= threshold
    ]
    return [group for group in components(len(sketches), pairs) if len(group) > 1]


def datasketch_per_shingle(texts: Sequence[str], threshold: float) -> list[list[int]]:
    """The straightforward loop: one ``update`` per shingle, insert, query, verify."""
    lsh = MinHashLSH(threshold=threshold, num_perm=DEFAULT_NUM_PERM)
    sketches = []
    for n, text in enumerate(texts):
        m = MinHash(num_perm=DEFAULT_NUM_PERM, seed=1)
        for shingle in plain_shingles(text):
            m.update(shingle)
        lsh.insert(n, m)
        sketches.append(m)
    return _lsh_groups(sketches, lsh, threshold)


def datasketch_fast(texts: Sequence[str], threshold: float) -> list[list[int]]:
    """datasketch's fast API: ``MinHash.bulk`` and an ``insertion_session``."""
    sketches = MinHash.bulk((plain_shingles(t) for t in texts), num_perm=DEFAULT_NUM_PERM, seed=1)
    lsh = MinHashLSH(threshold=threshold, num_perm=DEFAULT_NUM_PERM)
    with lsh.insertion_session() as session:
        for n, m in enumerate(sketches):
            session.insert(n, m)
    return _lsh_groups(sketches, lsh, threshold)


def timed(run: Callable[[], T]) -> tuple[T, float, float]:
    """The result, wall seconds and CPU seconds of this process (robust to a busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def kept_clean(clusters: Sequence[Sequence[str]], raw: dict[str, str], pick: Callable[[Sequence[str]], str]) -> int:
    """How many clusters keep a copy whose text as it came in has no noise (``clean.noise``)."""
    return sum(noise(raw[pick(cluster)]) == 0 for cluster in clusters)


def report_set(corpus: RepostSet, cleaned: dict[str, str]) -> None:
    raw = dict(corpus.items)
    texts = list(raw.values())
    lengths = [len(t) for t in texts]
    reposts = sum(len(g) - 1 for g in corpus.groups)
    print(f"docs: {len(texts)}, chars {min(lengths)}-{max(lengths)} (mean {np.mean(lengths):.0f}), planted groups "
          f"{len(corpus.groups)} ({reposts} reposts), true pairs {len(corpus.true_pairs())}, "
          f"look-alike pairs {len(corpus.negatives)}")
    for name, source in (("raw", raw), ("cleaned", cleaned)):
        direct = [folded_jaccard(source[g[0]], source[r]) for g in corpus.groups for r in g[1:]]
        print(f"original-repost 5-gram Jaccard ({name}, folded): min {min(direct):.3f} / p5 "
              f"{np.percentile(direct, 5):.3f} / median {np.median(direct):.3f}; under 0.8: "
              f"{sum(j < 0.8 for j in direct)}")
    looks = [folded_jaccard(raw[a], raw[b]) for a, b in corpus.negatives]
    rng = random.Random(1)
    random_pairs = [folded_jaccard(*rng.sample(texts, 2)) for _ in range(2000)]
    print(f"look-alike Jaccard max {max(looks):.3f} (median {np.median(looks):.3f}); 2000 random pairs max "
          f"{max(random_pairs):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000, help="documents to generate (default 20000)")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="Jaccard threshold (default 0.8)")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    print(f"versions: python {platform.python_version()}, numpy {np.__version__}, datasketch {version('datasketch')}")

    corpus = repost_set(args.docs)
    ids = [item_id for item_id, _ in corpus.items]
    raw = dict(corpus.items)
    cleaned_list, _, cpu_clean = timed(lambda: [strip_boilerplate(clean_text(t))[0] for t in raw.values()])
    cleaned = dict(zip(ids, cleaned_list))
    report_set(corpus, cleaned)

    def ours(source: dict[str, str]) -> list[list[str]]:
        return dedup(list(source.items()), threshold=args.threshold, score=lambda i, _: -noise(raw[i])).clusters

    def by_id(groups: list[list[int]]) -> list[list[str]]:
        return [[ids[n] for n in group] for group in groups]

    mine, wall_ours, cpu_ours = timed(lambda: ours(cleaned))
    rss_ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    fast, wall_fast, cpu_fast = timed(lambda: by_id(datasketch_fast(cleaned_list, args.threshold)))
    slow, wall_slow, cpu_slow = timed(lambda: by_id(datasketch_per_shingle(cleaned_list, args.threshold)))
    rss_all = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert sorted(map(sorted, fast)) == sorted(map(sorted, slow)), "the two datasketch APIs disagree"
    mine_raw = ours(raw)
    fast_raw = by_id(datasketch_fast(list(raw.values()), args.threshold))
    tracemalloc.start()
    ours(cleaned)
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    print(f"cleaning (clean_text + strip_boilerplate, before dedup): {cpu_clean:.1f} CPU s")
    print(f"threshold {args.threshold}, num_perm {DEFAULT_NUM_PERM}, ngram {DEFAULT_NGRAM}; timed on the cleaned docs")
    print(f"{'pipeline':<26}{'wall s':>8}{'CPU s':>8}{'docs/CPU s':>12}  {'cleaned P / R / look-alikes':<29}"
          f"{'raw P / R / look-alikes':<26}")
    rows = [
        ("datasketch per-shingle", wall_slow, cpu_slow, slow, fast_raw),
        ("datasketch fast (bulk)", wall_fast, cpu_fast, fast, fast_raw),
        ("vertune dedup", wall_ours, cpu_ours, mine, mine_raw),
    ]
    for name, wall, cpu, found, found_raw in rows:
        quality = "{:.4f} / {:.4f} / {}".format(*corpus.quality(found))
        quality_raw = "{:.4f} / {:.4f} / {}".format(*corpus.quality(found_raw))
        print(f"{name:<26}{wall:>8.1f}{cpu:>8.1f}{len(ids) / cpu:>12.0f}  {quality:<29}{quality_raw:<26}")
    print(f"vertune / datasketch fast: {cpu_fast / cpu_ours:.2f}x CPU, {wall_fast / wall_ours:.2f}x wall; "
          f"/ per-shingle: {cpu_slow / cpu_ours:.2f}x CPU, {wall_slow / wall_ours:.2f}x wall")
    cleanest = kept_clean(mine, raw, lambda cluster: cluster[0])
    longest = kept_clean(mine, raw, lambda cluster: max(cluster, key=lambda i: len(raw[i])))
    print(f"kept copy clean (no repost note, disclaimer, full-width or ASCII punctuation): {cleanest}/{len(mine)} "
          f"clusters keeping the cleanest, {longest}/{len(mine)} had the longest been kept")
    print(f"peak memory: vertune dedup traced {traced_peak:.0f} MiB; process max RSS {rss_ours:.0f} MiB after "
          f"vertune, {rss_all:.0f} MiB after datasketch")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
