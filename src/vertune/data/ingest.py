"""Ingest: every configured source -> Documents, every failure -> a Rejection.

Files are expanded (file, folder or glob under ``base_dir``; sorted, hidden files skipped) and
read one task per file, in a process pool when ``workers > 1``; results come back in task
order, so the output is the same for any worker count. Per file, in = out + rejected: a reader
yields one Document or Rejection per record, and a file that fails as a whole (a
``SourceError``, an ``OSError`` such as permission denied, or a reader crash on a malformed
file) becomes exactly one Rejection with nothing of its partial output kept. Synthetic sources
call a seeded generator instead.

Expansion names what it cannot read instead of skipping it: a dangling link, a symlink loop
(a file link to itself, a folder link back to its ancestor), an unreadable folder, a link
leading out of the project folder are Rejections, also passed to ``on_warning``. Folders to
``exclude`` (the workspace) are never read, so a workspace inside a source folder does not feed
its own outputs back in. A source that matches no file, or whose path lies outside the project
folder (``base_dir``) without ``allow_outside``, stops the ingest before anything is read
(``SourceProblem``); an ``optional`` source that matches nothing is only a warning.
"""

from __future__ import annotations

import errno
import os
import stat
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from vertune.data import sources
from vertune.data.sources import dialogue, tables
from vertune.data.sources.base import Item, ReadOptions, SourceError, reject
from vertune.data.synthetic.documents import text_record_to_document
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
    optional: bool
    allow_outside: bool


class SourceProblem(ValueError):
    """Sources that cannot be ingested as configured (each message names its source)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _label_pairs(columns: list[str] | dict[str, str]) -> tuple[tuple[str, str], ...]:
    """``[col]`` or ``{col: meta_name}`` as (column, meta name) pairs."""
    return tuple(columns.items()) if isinstance(columns, dict) else tuple((c, c) for c in columns)


def options_for(spec: SourceSpec) -> ReadOptions:
    return ReadOptions(
        source_name=spec.name, kind=spec.kind, encoding=spec.encoding, mapping=dict(spec.mapping), fmt=spec.format,
        label_columns=_label_pairs(spec.label_columns),
    )


def os_reason(err: OSError) -> str:
    """An OSError as a short human reason ("Permission denied"), without the traceback."""
    return err.strerror or f"{type(err).__name__}: {err}"


@dataclass
class SourceScan:
    """What a source's ``path`` expands to: the files to read (sorted), the Rejections of what
    was found but cannot be read, and the problem that stops the source as a whole, if any."""

    files: list[Path] = field(default_factory=list)
    problems: list[Rejection] = field(default_factory=list)
    error: str | None = None


def _inside(path: Path, folders: Iterable[Path]) -> bool:
    return any(path.is_relative_to(folder) for folder in folders)


class _Scanner:
    """One source's expansion: classifies every path found, walks folders (following folder
    links, refusing loops), keeps to the project folder unless allowed, skips ``exclude``."""

    def __init__(self, spec: SourceSpec, base_dir: Path, exclude: Sequence[Path]) -> None:
        self.spec = spec
        self.base_dir = Path(base_dir)
        self.exclude = [Path(folder).resolve() for folder in exclude]
        self.allowed = [self.base_dir.resolve()]
        """Where files may really be: the project folder, and the source's own path once a link
        to it is followed (a data folder linked into the project is the user's choice)."""
        self.scan = SourceScan()

    def refuse(self, path: Path, reason: str, detail: str) -> None:
        self.scan.problems.append(reject(str(path), reason, detail))

    def outside(self, real: Path) -> bool:
        return not self.spec.allow_outside and not _inside(real, self.allowed)

    def add(self, path: Path, ancestors: tuple[Path, ...] = ()) -> None:
        """Take ``path`` as a file, walk it as a folder, or refuse it with a reason."""
        try:
            real = path.resolve(strict=True)
            mode = real.stat().st_mode
        except FileNotFoundError:
            if path.is_symlink():
                self.refuse(path, "dangling symlink", f"points to {os.readlink(path)}, which does not exist")
            return
        except (RuntimeError, OSError) as err:  # Python < 3.13 reports a symlink loop as RuntimeError
            if isinstance(err, RuntimeError) or err.errno == errno.ELOOP:
                self.refuse(path, "symlink loop", "its links lead back to themselves")
            else:
                self.refuse(path, "unreadable path", os_reason(err))
            return
        if _inside(real, self.exclude):
            return
        if self.outside(real):
            self.refuse(path, "outside the project folder",
                        f"leads to {real}; set `allow_outside: true` on source '{self.spec.name}' to read it")
        elif stat.S_ISDIR(mode):
            self.walk(path, real, ancestors)
        elif stat.S_ISREG(mode):
            self.scan.files.append(path)
        else:
            self.refuse(path, "not a regular file", "a FIFO, socket or device; reading it could block")

    def walk(self, folder: Path, real: Path, ancestors: tuple[Path, ...]) -> None:
        if real in ancestors:
            self.refuse(folder, "symlink loop", f"links back to {real}, a folder it is inside of")
            return
        try:
            with os.scandir(folder) as entries:
                names = sorted(entry.name for entry in entries if not entry.name.startswith("."))
        except OSError as err:
            self.refuse(folder, "unreadable folder", os_reason(err))
            return
        for name in names:
            self.add(folder / name, (*ancestors, real))

    def run(self) -> SourceScan:
        spec = self.spec
        target = self.base_dir / str(spec.path)  # an absolute path stays as it is
        parts = target.parts
        first_glob = next((i for i, part in enumerate(parts) if _GLOB_CHARS & set(part)), None)
        root = Path(*parts[:first_glob]) if first_glob is not None else target
        if not spec.allow_outside and not _inside(Path(os.path.abspath(root)), [Path(os.path.abspath(self.base_dir))]):
            self.scan.error = (f"source '{spec.name}': path {spec.path!r} is outside the project folder "
                               f"{self.base_dir}; set `allow_outside: true` on the source to read it")
            return self.scan
        self.allowed.append(root.resolve())
        # a source kept inside the workspace is still read; only the rest of the workspace is not
        self.exclude = [folder for folder in self.exclude if not _inside(root.resolve(), [folder])]
        if first_glob is None:
            self.add(target)
        else:
            for path in sorted(root.glob(str(Path(*parts[first_glob:])))):
                if not any(part.startswith(".") for part in path.relative_to(root).parts):
                    self.add(path)
        self.scan.files.sort()
        if not self.scan.files and not self.scan.problems and not spec.optional:
            self.scan.error = (f"source '{spec.name}': path {spec.path!r} matches no file under {self.base_dir} "
                               "(mark the source `optional: true` if that is expected)")
        return self.scan


def scan_source(spec: SourceSpec, base_dir: Path, exclude: Sequence[Path] = ()) -> SourceScan:
    """The files of a source's ``path`` (a file, a folder walked recursively, or a glob), what
    was found but cannot be read, and whether the source must stop the ingest."""
    if not spec.path:
        return SourceScan()
    try:
        return _Scanner(spec, base_dir, exclude).run()
    except OSError as err:
        return SourceScan(problems=[reject(str(spec.path), "unreadable path", os_reason(err))])


def expand_source(spec: SourceSpec, base_dir: Path, exclude: Sequence[Path] = ()) -> list[Path]:
    """The files ingest reads for a source, sorted (what the ingest stage's fingerprint hashes)."""
    return scan_source(spec, base_dir, exclude).files


def read_file(path: Path, options: ReadOptions) -> list[Item]:
    """All items of one file, or a single Rejection for the whole file."""
    try:
        items = list(sources.read(path, options))
    except SourceError as err:
        return [reject(str(path), err.reason, err.detail)]
    except OSError as err:
        return [reject(str(path), "unreadable file", os_reason(err))]
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


SYNTHETIC_DOCUMENTS = {"trades": trade_to_document, "dialogues": dialogue.dialogue_to_document,
                       "annual_reports": text_record_to_document, "news_articles": text_record_to_document}
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


class IngestWarning(UserWarning):
    """Something ingest read around, named so that it is not silent (``on_warning``'s default)."""


def _warn(message: str) -> None:
    warnings.warn(message, IngestWarning, stacklevel=3)


def ingest(
    sources_: Sequence[SourceSpec],
    base_dir: Path,
    workers: int = 1,
    show_progress: bool = False,
    exclude: Sequence[Path] = (),
    on_warning: Callable[[str], None] = _warn,
) -> Iterator[Document | Rejection]:
    """Every Document and Rejection of ``sources_``, in config order, then file order.

    Raises ``SourceProblem`` before reading anything when a source cannot be ingested as
    configured; ``on_warning`` hears every path refused and every optional source left empty."""
    plans = [(spec, scan_source(spec, base_dir, exclude)) for spec in sources_]
    if errors := [scan.error for _, scan in plans if scan.error]:
        raise SourceProblem(errors)
    tasks = [(path, options_for(spec)) for spec, scan in plans for path in scan.files]
    with ExitStack() as stack:
        results = _file_results(tasks, workers, stack)  # workers start before the bar's thread does
        bar = _Bar(stack, len(tasks) + sum(1 for spec, _ in plans if spec.synthetic), show_progress)
        for spec, scan in plans:
            bar.source(spec.name)
            for problem in scan.problems:
                on_warning(f"source '{spec.name}': {problem.item}: {problem.reason} ({problem.detail})")
                yield problem
            if spec.synthetic:
                yield from _named(synthetic_items(spec), spec.name)
                bar.advance()
            elif not scan.files and not scan.problems:
                on_warning(f"source '{spec.name}' (optional): path {spec.path!r} matches no file under {base_dir}")
            for _ in scan.files:
                yield from _named(next(results), spec.name)
                bar.advance()


def _named(items: Iterable[Item], source_name: str) -> Iterator[Item]:
    """Stamp every Document with the config source it came from (stratification, task routing)."""
    for item in items:
        if isinstance(item, Document):
            item.meta["source_name"] = source_name
        yield item
