"""Ingest: every configured source -> Documents, every failure -> a Rejection.

Files are expanded (file, folder or glob under ``base_dir``; sorted, hidden files skipped) and
read one task per file, in a process pool when ``workers > 1``; results come back in task
order, so the output is the same for any worker count. Per file, in = out + rejected: a reader
yields one Document or Rejection per record, and a file that fails as a whole (a
``SourceError``, or a reader crash on a malformed file) becomes exactly one Rejection with
nothing of its partial output kept. Synthetic sources call a seeded generator instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Protocol

from vertune.data import sources
from vertune.data.sources import dialogue, tables
from vertune.data.sources.base import Item, ReadOptions, SourceError, reject
from vertune.records import Document, Rejection

_GLOB_CHARS = frozenset("*?[")


class SourceSpec(Protocol):
    """The fields of a config source that ingest reads (``vertune.config.SourceConfig``)."""

    name: str
    path: str | None
    synthetic: str | None
    kind: str
    format: str
    encoding: str
    mapping: dict[str, str]
    count: int
    seed: int
    params: dict[str, Any]
    label_columns: list[str] | dict[str, str]


def _label_pairs(columns: list[str] | dict[str, str]) -> tuple[tuple[str, str], ...]:
    """``[col]`` or ``{col: meta_name}`` as (column, meta name) pairs."""
    return tuple(columns.items()) if isinstance(columns, dict) else tuple((c, c) for c in columns)


def options_for(spec: SourceSpec) -> ReadOptions:
    return ReadOptions(
        source_name=spec.name, kind=spec.kind, encoding=spec.encoding, mapping=dict(spec.mapping), fmt=spec.format,
        label_columns=_label_pairs(spec.label_columns),
    )


def _visible(path: Path, root: Path) -> bool:
    """A file not hidden below ``root`` (hidden folders above the source's own path are fine)."""
    return path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts)


def expand_source(spec: SourceSpec, base_dir: Path) -> list[Path]:
    """The files of a source, sorted: its ``path`` as a file, a folder (recursive) or a glob."""
    if not spec.path:
        return []
    target = Path(base_dir) / spec.path  # an absolute path stays as it is
    parts = target.parts
    first_glob = next((i for i, part in enumerate(parts) if _GLOB_CHARS & set(part)), None)
    if first_glob is not None:
        root, pattern = Path(*parts[:first_glob]), str(Path(*parts[first_glob:]))
        return sorted(path for path in root.glob(pattern) if _visible(path, root))
    if target.is_dir():
        return sorted(path for path in target.rglob("*") if _visible(path, target))
    return [target] if target.is_file() else []


def read_file(path: Path, options: ReadOptions) -> list[Item]:
    """All items of one file, or a single Rejection for the whole file."""
    try:
        items = list(sources.read(path, options))
    except SourceError as err:
        return [reject(str(path), err.reason, err.detail)]
    except Exception as err:  # a library choking on a malformed file must not stop the run
        return [reject(str(path), "reader failed", f"{type(err).__name__}: {err}")]
    for item in items:
        if isinstance(item, Document):
            item.meta.setdefault("origin", str(path))
    return items


def _read_task(task: tuple[Path, ReadOptions]) -> list[Item]:
    return read_file(*task)


def trade_to_document(row: tables.Row, options: ReadOptions) -> Document:
    """A simulated trade: its description as text, every structured field (label included) in meta."""
    from vertune.data.synthetic.trades import describe_trade

    return Document(
        source=options.source_name,
        kind=options.kind,
        text=describe_trade(row.data),
        published_at=row.data.get("timestamp"),
        meta={**row.data, "origin": row.where},
    )


SYNTHETIC_DOCUMENTS = {"trades": trade_to_document, "dialogues": dialogue.dialogue_to_document}
"""How a generator's records become Documents; other generators' records read like table rows."""


def synthetic_items(spec: SourceSpec) -> Iterator[Item]:
    """The Documents of a synthetic source, one per generated record."""
    from vertune.data.synthetic import GENERATORS

    name = spec.synthetic or ""
    where = f"synthetic:{name}"
    if name not in GENERATORS:
        yield reject(where, "unknown generator", f"{name!r}; known: {', '.join(sorted(GENERATORS))}")
        return
    try:
        records = GENERATORS[name](spec.count, spec.seed, **spec.params)
    except (TypeError, ValueError) as err:
        yield reject(where, "generator failed", f"{type(err).__name__}: {err}")
        return
    options = options_for(spec)
    convert = SYNTHETIC_DOCUMENTS.get(name, tables.row_to_document)
    for index, record in enumerate(records):
        yield convert(tables.Row(f"{where}:{index}", record), options)


def _file_results(tasks: list[tuple[Path, ReadOptions]], workers: int, stack: ExitStack) -> Iterator[list[Item]]:
    if workers <= 1 or len(tasks) <= 1:
        return map(_read_task, tasks)
    pool = stack.enter_context(ProcessPoolExecutor(max_workers=min(workers, len(tasks))))
    return pool.map(_read_task, tasks)


class _Bar:
    """A rich progress bar over files (and synthetic sources), or nothing when not shown."""

    def __init__(self, stack: ExitStack, total: int, show: bool) -> None:
        self.progress: Any = None
        if show:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            columns = (TextColumn("ingest {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            self.progress = stack.enter_context(Progress(*columns, console=Console(stderr=True)))
            self.task = self.progress.add_task("", total=total)

    def source(self, name: str) -> None:
        if self.progress is not None:
            self.progress.update(self.task, description=name)

    def advance(self) -> None:
        if self.progress is not None:
            self.progress.advance(self.task)


def ingest(
    sources_: Sequence[SourceSpec], base_dir: Path, workers: int = 1, show_progress: bool = False
) -> Iterator[Document | Rejection]:
    """Every Document and Rejection of ``sources_``, in config order, then file order."""
    plans = [(spec, expand_source(spec, base_dir)) for spec in sources_]
    tasks = [(path, options_for(spec)) for spec, paths in plans for path in paths]
    with ExitStack() as stack:
        results = _file_results(tasks, workers, stack)  # workers start before the bar's thread does
        bar = _Bar(stack, len(tasks) + sum(1 for spec, _ in plans if spec.synthetic), show_progress)
        for spec, paths in plans:
            bar.source(spec.name)
            if spec.synthetic:
                yield from _named(synthetic_items(spec), spec.name)
                bar.advance()
            elif not paths:
                yield reject(str(spec.path), "no files", f"nothing matches {spec.path!r} under {base_dir}")
            for _ in paths:
                yield from _named(next(results), spec.name)
                bar.advance()


def _named(items: Iterable[Item], source_name: str) -> Iterator[Item]:
    """Stamp every Document with the config source it came from (stratification, task routing)."""
    for item in items:
        if isinstance(item, Document):
            item.meta["source_name"] = source_name
        yield item
