"""The ``vertune`` command: parse the config, call the library, print with rich.

Thin on purpose: every command here is a few lines over a library function, so a notebook
user and the CLI run the same code.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from vertune.config import Config, ConfigError, dump_config, load_config
from vertune.data.ingest import scan_source
from vertune.pipeline import StageFailed, StageOutcome, run_pipeline, stage_state
from vertune.quiet import quiet_libraries
from vertune.registry.commands import app as registry_app
from vertune.stages import STAGE_NAMES, STAGES, stage_named
from vertune.workspace import NotAWorkspace, Workspace, WorkspaceLocked

app = typer.Typer(help="vertune: turn a base LLM into a domain expert and keep it improving.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
config_app = typer.Typer(help="Validate or show a vertune.yaml.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(registry_app, name="registry")

# emoji=False: rich would turn "file.yaml:100:" in an error into an emoji ("💯").
console = Console(stderr=True, soft_wrap=True, emoji=False)
out = Console(emoji=False)
quiet_libraries()  # the stages draw their own progress; see vertune.quiet

EXIT_STAGE_FAILED, EXIT_BAD_CONFIG, EXIT_LOCKED, EXIT_NOT_BUILT = 1, 2, 3, 4
DEFAULT_CONFIG = "vertune.yaml"
ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="The project's vertune.yaml.", envvar="VERTUNE_CONFIG")]


def _load(path: Path) -> Config:
    """The config, with its workspace path checked: a problem is a message and exit code 2."""
    try:
        config = load_config(path)
        Workspace(config.workspace_dir)
    except ConfigError as err:
        for problem in err.problems:
            console.print(f"[red]error[/red] {problem}", highlight=False)
        raise typer.Exit(EXIT_BAD_CONFIG) from None
    except NotAWorkspace as err:
        console.print(f"[red]error[/red] {err}", highlight=False)
        raise typer.Exit(EXIT_BAD_CONFIG) from None
    return config


def _guarded(action: Callable[[], list[StageOutcome]]) -> list[StageOutcome]:
    """Run a pipeline action, turning the known failures into a message and an exit code."""
    try:
        return action()
    except WorkspaceLocked as err:
        console.print(f"[red]error[/red] {err}")
        raise typer.Exit(EXIT_LOCKED) from None
    except (StageFailed, FileNotFoundError, ValueError) as err:
        console.print(f"[red]error[/red] {err}", highlight=False)
        raise typer.Exit(EXIT_STAGE_FAILED) from None


@config_app.command("validate")
def config_validate(file: Annotated[Path, typer.Argument(help="Config file to check.")]) -> None:
    """Check a config: exit 0 when valid, else list every problem with file, line and key.

    Sources are scanned too (nothing is read): a path that matches no file fails here, as it
    would fail ingest, and an optional one that matches nothing is named, so an empty source is
    never silent."""
    config = _load(file)
    scans = [(spec, scan_source(spec, config.base_dir, exclude=[config.workspace_dir])) for spec in config.sources]
    for spec, scan in scans:
        for problem in scan.problems:  # links that lead outside, loops, unreadable files: ingest refuses them
            console.print(f"[yellow]warning[/yellow] source '{spec.name}': {problem.item}: {problem.reason} "
                          f"({problem.detail})", highlight=False)
        if spec.path and not scan.error and not scan.files:
            console.print(f"[yellow]warning[/yellow] source '{spec.name}'{' (optional)' if spec.optional else ''}: "
                          f"path {spec.path!r} matches no readable file", highlight=False)
    if errors := [scan.error for _, scan in scans if scan.error]:
        for error in errors:
            console.print(f"[red]error[/red] {error}", highlight=False)
        raise typer.Exit(EXIT_BAD_CONFIG)
    files = sum(len(scan.files) for _, scan in scans)
    out.print(f"[green]✓[/green] {file} is valid (project '{config.project}', {len(config.sources)} sources, "
              f"{files} file{'' if files == 1 else 's'})")


@config_app.command("show")
def config_show(file: Annotated[Path, typer.Argument(help="Config file to resolve.")]) -> None:
    """Print the fully resolved config, defaults included."""
    out.print(dump_config(_load(file)), end="", highlight=False, markup=False)


def _summary(outcomes: Sequence[StageOutcome], workspace: Workspace) -> None:
    table = Table(title=f"vertune — workspace {workspace.root}")
    for column in ("stage", "action", "seconds", "in", "out", "rejected", "artifacts"):
        table.add_column(column)
    for outcome in outcomes:
        manifest = outcome.manifest or {}
        counts = manifest.get("counts", {})
        table.add_row(outcome.stage, outcome.action, f"{manifest.get('seconds', 0):.1f}" if manifest else "",
                      *(str(counts.get(k, "")) for k in ("in", "out", "rejected")),
                      str(workspace.stage_dir(outcome.stage)) if manifest else "")
    out.print(table)


def _run(config_path: Path, wanted: Sequence[str] | None, force: Sequence[str],
         options: dict[str, dict[str, Any]] | None = None) -> list[StageOutcome]:
    config = _load(config_path)
    outcomes = _guarded(lambda: run_pipeline(config, STAGES, wanted=wanted, force=force, console=console, options=options))
    workspace = Workspace(config.workspace_dir)
    _summary(outcomes, workspace)
    done = {o.stage for o in outcomes if o.action in ("ran", "skipped")}
    for stage, show in (("eval", _report_table), ("compress", _report_table), ("publish", _published)):
        if stage in done:
            show(workspace, stage)
    return outcomes


def _published(workspace: Workspace, stage: str = "publish") -> None:
    """Say which version publish made (or found) and where it lives."""
    path = workspace.stage_dir(stage) / "published.json"
    if path.exists():
        record = json.loads(path.read_text(encoding="utf-8"))
        alias = f", {record['name']}@{record['alias']} → {record['version']}" if record.get("alias_moved") else ""
        state = "published" if record["new"] else "already published (same content)"
        out.print(f"[green]✓[/green] {record['ref']} ({record['variant']}) {state} in {record['url']}{alias}",
                  highlight=False)


def _report_table(workspace: Workspace, stage: str) -> None:
    """Print a stage's ``report.json`` as its terminal table after a run: eval's models beside
    trivial baselines, compress's variants with size, speed and verdict."""
    if stage == "eval":
        from vertune.evaluate.report import REPORT_JSON, results_table
    else:
        from vertune.compress.report import REPORT_JSON, results_table
    report = workspace.stage_dir(stage) / REPORT_JSON
    if report.exists():
        out.print(results_table(json.loads(report.read_text(encoding="utf-8"))))


@app.command()
def run(
    config: ConfigOption = Path(DEFAULT_CONFIG),
    force: Annotated[Optional[list[str]], typer.Option(help="Re-run this stage even if up to date.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Stop after this stage (it and everything upstream).")] = None,
) -> None:
    """Run every stage that is out of date, skip the rest, print a summary."""
    if until is not None and until not in STAGE_NAMES:
        console.print(f"[red]error[/red] unknown stage '{until}'; stages are: {', '.join(STAGE_NAMES)}")
        raise typer.Exit(EXIT_BAD_CONFIG)
    outcomes = _run(config, [until] if until else None, force or [])
    pending = [o.stage for o in outcomes if o.action == "not built"]
    if pending:
        console.print(f"[yellow]stopped before '{pending[0]}': that stage is not built yet in this version[/yellow]")


@app.command()
def status(config: ConfigOption = Path(DEFAULT_CONFIG)) -> None:
    """Show each stage's state: done, out of date, never run, or not built."""
    cfg = _load(config)
    workspace = Workspace(cfg.workspace_dir)
    table = Table(title=f"vertune status — {workspace.root}")
    for column in ("stage", "state", "finished", "in", "out", "rejected"):
        table.add_column(column)
    styles = {"done": "green", "out of date": "yellow", "never run": "dim", "not built": "red"}
    for stage in STAGES:
        state = stage_state(stage, cfg, workspace)
        manifest = workspace.manifest(stage.name) or {}
        counts = manifest.get("counts", {})
        table.add_row(stage.name, f"[{styles[state]}]{state}[/]", manifest.get("finished_at", ""),
                      *(str(counts.get(k, "")) for k in ("in", "out", "rejected")))
    out.print(table)


ForceOption = Annotated[bool, typer.Option("--force", help="Re-run even if up to date.")]


def _run_stage_command(name: str, config: Path, force: bool, options: dict[str, Any] | None = None) -> None:
    """What every stage command does: run the stage (and what it needs upstream) or say it is not built."""
    stage = stage_named(name)
    if not stage.built:
        console.print(f"[red]vertune {name}: not built yet[/red] — this stage ({stage.summary}) is planned but "
                      "not part of this version. Nothing was run.")
        raise typer.Exit(EXIT_NOT_BUILT)
    outcomes = _run(config, [name], [name] if force else [], {name: options} if options else None)
    if any(o.action == "not built" for o in outcomes):
        raise typer.Exit(EXIT_NOT_BUILT)


def _stage_command(name: str) -> None:
    stage = stage_named(name)

    def command(config: ConfigOption = Path(DEFAULT_CONFIG), force: ForceOption = False) -> None:
        _run_stage_command(name, config, force)

    command.__doc__ = f"{stage.summary[0].upper()}{stage.summary[1:]}."
    app.command(name)(command)


for _name in ("ingest", "preprocess", "annotate", "prepare", "compress", "serve", "loop"):
    _stage_command(_name)


@app.command("train")
def train_command(
    config: ConfigOption = Path(DEFAULT_CONFIG),
    force: ForceOption = False,
    resume: Annotated[Optional[bool], typer.Option(
        "--resume/--fresh", help="Insist on continuing from the last checkpoint, or discard checkpoints and "
        "start afresh. Default: continue when a checkpoint of the same config, data and base model exists.")] = None,
    print_launch: Annotated[bool, typer.Option(
        "--print-launch", help="Print the command that trains this project (accelerate launch for ZeRO/FSDP) and exit.")] = False,
) -> None:
    """Fine-tuning (LoRA, QLoRA or full) with live curves, checkpoints, early stopping and resume."""
    if print_launch:
        from vertune.train.launch import print_launch_command

        _load(config)
        out.print(print_launch_command(config), highlight=False, markup=False, soft_wrap=True)
        return
    _run_stage_command("train", config, force or resume is not None, None if resume is None else {"resume": resume})


@app.command("eval")
def eval_command(
    config: ConfigOption = Path(DEFAULT_CONFIG),
    force: ForceOption = False,
    compare: Annotated[Optional[tuple[str, str]], typer.Option(
        help="Compare two models or endpoints instead (embedded:…, a folder, a hub id, adapter:FOLDER, http://…).")] = None,
) -> None:
    """Domain, general and robustness suites; base vs tuned report."""
    if compare is None:
        _run_stage_command("eval", config, force)
        return
    from vertune.evaluate.stage import compare_cli

    cfg = _load(config)
    report = compare_cli(compare[0], compare[1], cfg)
    out.print(f"[green]✓[/green] comparison report: {report}")


@app.command("publish")
def publish_command(
    config: ConfigOption = Path(DEFAULT_CONFIG),
    force: ForceOption = False,
    override_gate: Annotated[bool, typer.Option(
        "--override-gate", help="Publish even if the model scores below the version registry.alias points to "
        "(the version's lineage records it).")] = False,
) -> None:
    """Version the chosen compressed variant in the registry, behind the eval gate, and move registry.alias."""
    _run_stage_command("publish", config, force or override_gate, {"override_gate": True} if override_gate else None)


def example_config() -> Path:
    """The embedded finance example's config: in the current folder's checkout or beside the package."""
    candidates = [Path.cwd() / "examples/finance/vertune.yaml",
                  Path(__file__).resolve().parents[2] / "examples/finance/vertune.yaml"]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise FileNotFoundError("the embedded example (examples/finance/vertune.yaml) was not found; run from the repository")


@app.command()
def demo(
    workspace: Annotated[Optional[Path], typer.Option(help="Where to put the demo's artifacts.")] = None,
) -> None:
    """Run the whole life cycle that exists on the embedded finance example, then summarise."""
    path = example_config()
    if workspace is not None:
        os.environ["VERTUNE_WORKSPACE"] = str(workspace.resolve())
        os.environ.setdefault("VERTUNE_REGISTRY", str(workspace.resolve().parent / "registry"))
    console.print(f"[bold]vertune demo[/bold] on {path}")
    outcomes = _run(path, None, [])
    ran = [o.stage for o in outcomes if o.action in ("ran", "skipped")]
    pending = [s.name for s in STAGES if s.name not in ran]
    out.print(f"[bold green]demo finished[/bold green]: stages done: {', '.join(ran) or 'none'}")
    if pending:
        out.print(f"[yellow]not built yet in this version:[/yellow] {', '.join(pending)}")


def main() -> None:
    app(prog_name="vertune")


if __name__ == "__main__":
    sys.exit(main())
