"""Running stages: up-to-date checks, atomic outputs, manifests, rejections.

A ``Stage`` names its upstream stages, the external inputs it reads (hashed) and the slice of
the config that shapes its output. Its fingerprint covers all three plus the upstream
fingerprints, so ``run_pipeline`` re-runs exactly the stages whose fingerprint changed, like
``make``. The stage function itself only sees a ``StageContext``: where to write, how to
reject an item with a reason, how to show progress.
"""

from __future__ import annotations

import contextlib
import importlib
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from vertune import __version__
from vertune.atomic import atomic_dir, atomic_write_json
from vertune.config import Config
from vertune.records import Rejection
from vertune.workspace import MANIFEST, REJECTED, Workspace, fingerprint, hash_inputs, library_versions, now_iso


def _no_inputs(config: Config) -> list[Path]:
    return []


def _no_params(config: Config) -> Any:
    return {}


@dataclass(frozen=True)
class Stage:
    """One step of the life cycle; ``target`` is the ``module:function`` that runs it."""

    name: str
    summary: str
    after: tuple[str, ...] = ()
    target: str | None = None
    inputs: Callable[[Config], list[Path]] = _no_inputs
    params: Callable[[Config], Any] = _no_params
    conserves_items: bool = True

    @property
    def built(self) -> bool:
        return self.target is not None

    def function(self) -> Callable[[StageContext], None]:
        if self.target is None:
            raise StageNotBuilt(self.name)
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)


class StageNotBuilt(RuntimeError):
    def __init__(self, stage: str) -> None:
        super().__init__(f"stage '{stage}' is not built yet in this version of vertune")
        self.stage = stage


class StageFailed(RuntimeError):
    """A stage broke its contract (e.g. lost items) or raised; nothing was published."""


@dataclass
class StageContext:
    """What a stage function gets: config, workspace, a private output folder, bookkeeping."""

    stage: Stage
    config: Config
    workspace: Workspace
    out: Path
    show_progress: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    stats: dict[str, Any] = field(default_factory=dict)
    _rejected: IO[str] | None = None

    @property
    def scratch(self) -> Path:
        """Resumable work space that outlives a killed run (e.g. training checkpoints)."""
        path = self.workspace.scratch_dir(self.stage.name)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def artifact(self, stage: str, name: str) -> Path:
        return self.workspace.artifact(stage, name)

    def reject(self, rejection: Rejection) -> None:
        """Record why an input item is not in the output (``rejected.jsonl``)."""
        if self._rejected is None:
            self._rejected = (self.out / REJECTED).open("w", encoding="utf-8")
        self._rejected.write(rejection.model_dump_json() + "\n")
        self.counts["rejected"] += 1
        self.reasons[rejection.reason] += 1

    @contextlib.contextmanager
    def progress(self, total: int | None, description: str) -> Iterator[Callable[[int], None]]:
        """A rich progress bar when interactive output is on; yields ``advance(n)``."""
        if not self.show_progress:
            yield lambda n=1: None
            return
        columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task(description, total=total)
            yield lambda n=1: bar.advance(task, n)

    def close(self) -> None:
        if self._rejected is not None:
            self._rejected.close()
            self._rejected = None


StageState = Literal["done", "out of date", "never run", "not built"]


@dataclass
class StageOutcome:
    stage: str
    action: Literal["ran", "skipped", "not built"]
    manifest: dict[str, Any] | None = None


def stage_fingerprint(stage: Stage, config: Config, workspace: Workspace) -> tuple[str, dict[str, str], dict[str, str]]:
    """(fingerprint, input hashes, upstream fingerprints) of a stage as things stand now."""
    inputs = hash_inputs(stage.inputs(config), base=config.base_dir)
    upstream = {}
    for name in stage.after:
        manifest = workspace.manifest(name)
        upstream[name] = manifest["fingerprint"] if manifest else "missing"
    params = stage.params(config)
    return fingerprint(stage.name, __version__, params, inputs, upstream), inputs, upstream


def stage_state(stage: Stage, config: Config, workspace: Workspace) -> StageState:
    if not stage.built:
        return "not built"
    manifest = workspace.manifest(stage.name)
    if manifest is None:
        return "never run"
    current, _, _ = stage_fingerprint(stage, config, workspace)
    return "done" if manifest.get("fingerprint") == current else "out of date"


def run_stage(
    stage: Stage, config: Config, workspace: Workspace, show_progress: bool = False, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run one stage into a temporary folder and publish it whole with its manifest.

    ``options`` are per-invocation switches that do not shape the output (e.g. train's
    ``resume``), so they are not part of the fingerprint.
    """
    function = stage.function()
    for name in stage.after:
        if workspace.manifest(name) is None:
            raise StageFailed(f"stage '{stage.name}' needs stage '{name}', which has not completed")
    digest, inputs, upstream = stage_fingerprint(stage, config, workspace)
    started, clock = now_iso(), time.perf_counter()
    with atomic_dir(workspace.stage_dir(stage.name)) as out:
        context = StageContext(stage=stage, config=config, workspace=workspace, out=out, show_progress=show_progress,
                               options=dict(options or {}))
        try:
            function(context)
        finally:
            context.close()
        counts = {"in": context.counts["in"], "out": context.counts["out"], "rejected": context.counts["rejected"]}
        if stage.conserves_items and counts["in"] != counts["out"] + counts["rejected"]:
            raise StageFailed(f"stage '{stage.name}' lost items: in={counts['in']} but out={counts['out']} + rejected={counts['rejected']}")
        manifest = {
            "stage": stage.name,
            "fingerprint": digest,
            "started_at": started,
            "finished_at": now_iso(),
            "seconds": round(time.perf_counter() - clock, 3),
            "inputs": inputs,
            "upstream": upstream,
            "params": stage.params(config),
            "counts": counts,
            "rejected_reasons": dict(context.reasons.most_common()),
            "stats": context.stats,
            "artifacts": sorted(p.name for p in out.iterdir()),
            "versions": library_versions(),
        }
        atomic_write_json(out / MANIFEST, manifest)
    return manifest


def plan(stages: Sequence[Stage], wanted: Sequence[str] | None) -> list[Stage]:
    """The stages to consider: the wanted ones and everything upstream of them, in order."""
    if not wanted:
        return list(stages)
    by_name = {s.name: s for s in stages}
    needed: set[str] = set()

    def add(name: str) -> None:
        if name in needed:
            return
        needed.add(name)
        for upstream in by_name[name].after:
            add(upstream)

    for name in wanted:
        if name not in by_name:
            raise KeyError(f"unknown stage '{name}'; stages are: {', '.join(by_name)}")
        add(name)
    return [s for s in stages if s.name in needed]


def run_pipeline(
    config: Config,
    stages: Sequence[Stage],
    wanted: Sequence[str] | None = None,
    force: Sequence[str] = (),
    console: Console | None = None,
    options: dict[str, dict[str, Any]] | None = None,
) -> list[StageOutcome]:
    """Run every out-of-date stage among ``wanted`` (and their upstream); skip the rest.

    Stops at the first stage that is not built yet: nothing downstream of it can run.
    """
    console = console or Console(stderr=True)
    workspace = Workspace(config.workspace_dir)
    outcomes: list[StageOutcome] = []
    with workspace.lock():
        workspace.remove_stale_temporaries()
        for stage in plan(stages, wanted):
            if not stage.built:
                outcomes.append(StageOutcome(stage.name, "not built"))
                break
            if stage.name not in force and stage_state(stage, config, workspace) == "done":
                console.print(f"[dim]• {stage.name}: up to date, skipped[/dim]")
                outcomes.append(StageOutcome(stage.name, "skipped", workspace.manifest(stage.name)))
                continue
            console.print(f"[bold cyan]▶ {stage.name}[/bold cyan]: {stage.summary}")
            manifest = run_stage(stage, config, workspace, show_progress=console.is_terminal,
                                 options=(options or {}).get(stage.name))
            counts = manifest["counts"]
            console.print(f"[green]✓ {stage.name}[/green] in {manifest['seconds']:.1f}s — in {counts['in']}, out {counts['out']}, rejected {counts['rejected']}")
            outcomes.append(StageOutcome(stage.name, "ran", manifest))
    return outcomes
