"""Benchmark: ingest throughput with 1 worker vs 2 on the embedded example's files.

The example's file sources (PDF reports, research, regulation, news HTML, forum JSONL/CSV,
service dialogues, the GBK trades CSV) are copied ``--copies`` times into a temporary folder
so each worker count reads the same, larger set; both runs happen in this process, back to
back, and must return the same documents in the same order.

    .venv/bin/python benchmarks/ingest.py --copies 8
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from vertune.config import load_config
from vertune.data.ingest import ingest
from vertune.records import Document

EXAMPLE = Path(__file__).resolve().parents[1] / "examples/finance/vertune.yaml"


def _replicated_sources(tmp: Path, copies: int) -> list:
    """File sources of the example, each pointing at ``copies`` copies of its files."""
    config = load_config(EXAMPLE)
    specs = []
    for spec in (s for s in config.sources if s.path):
        folder = tmp / spec.name
        for copy in range(copies):
            for path in sorted(config.base_dir.glob(spec.path)) or [config.base_dir / spec.path]:
                files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
                for file in files:
                    target = folder / f"c{copy}" / file.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(file, target)
        glob = "**/*" + (Path(spec.path).suffix or "") if not (config.base_dir / spec.path).is_dir() else "**/*"
        specs.append(spec.model_copy(update={"path": f"{spec.name}/{glob}"}))
    return specs


def _timed(specs: list, base: Path, workers: int) -> tuple[float, float, list[str]]:
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    ids = [item.id for item in ingest(specs, base, workers=workers) if isinstance(item, Document)]
    return time.perf_counter() - start_wall, time.process_time() - start_cpu, ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        specs = _replicated_sources(tmp, args.copies)
        files = sum(1 for p in tmp.rglob("*") if p.is_file())
        print(f"files: {files} ({args.copies} copies of the example's file sources), cpus: {os.cpu_count()}")
        results = {workers: _timed(specs, tmp, workers) for workers in (1, 2)}
        assert results[1][2] == results[2][2], "worker count changed the output"
        docs = len(results[1][2])
        print(f"{'workers':>8} {'wall s':>8} {'docs/s':>8}")
        for workers, (wall, _, _) in results.items():
            print(f"{workers:>8} {wall:8.2f} {docs / wall:8.0f}")
        print(f"documents: {docs}; speed-up with 2 workers: {results[1][0] / results[2][0]:.2f}x wall")


if __name__ == "__main__":
    main()
