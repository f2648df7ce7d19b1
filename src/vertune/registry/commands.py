"""``vertune registry …``: list, show, publish, alias, rollback, verify, pull and gc from the shell.

Every command reads the registry the project's config names (``registry.url``); a registry
problem (unknown version, stale alias, corrupted file) is one line on stderr and exit 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from vertune.config import ConfigError, load_config
from vertune.registry.registry import Registry, RegistryError, registry_of
from vertune.registry.store import StaleWrite

app = typer.Typer(help="Model versions in the registry (registry.url): list, show, alias, rollback, verify, pull, gc.",
                  no_args_is_help=True)
err, out = Console(stderr=True, emoji=False), Console(emoji=False)
ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="The project's vertune.yaml.", envvar="VERTUNE_CONFIG")]
DEFAULT = Path("vertune.yaml")


def _registry(config: Path) -> Registry:
    try:
        return registry_of(load_config(config))
    except ConfigError as error:
        for problem in error.problems:
            err.print(f"[red]error[/red] {problem}", highlight=False)
        raise typer.Exit(2) from None


def _guard(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except (RegistryError, StaleWrite, FileNotFoundError) as error:
        err.print(f"[red]error[/red] {error}", highlight=False)
        raise typer.Exit(1) from None


@app.command("list")
def list_(name: Annotated[Optional[str], typer.Argument(help="A model name: list its versions.")] = None,
          config: ConfigOption = DEFAULT) -> None:
    """The models in the registry, or one model's versions with their aliases."""
    registry = _registry(config)
    if name is None:
        for model in _guard(registry.names):
            out.print(model)
        return
    aliases: dict[int, list[str]] = {}
    for alias in registry.aliases(name):
        if (record := registry.alias(name, alias)) is not None:
            aliases.setdefault(record["version"], []).append(alias)
    table = Table(title=f"{name} in {registry.store.url}")
    for column in ("version", "published", "files", "MB", "aliases"):
        table.add_column(column)
    for version in _guard(lambda: registry.versions(name)):
        size = sum(f["size"] for f in version.files) / 2**20
        table.add_row(str(version.number), version.manifest.get("published_at", ""), str(len(version.files)),
                      f"{size:.1f}", ", ".join(sorted(aliases.get(version.number, []))))
    out.print(table)


@app.command()
def show(ref: Annotated[str, typer.Argument(help="NAME, NAME@VERSION or NAME@ALIAS.")], config: ConfigOption = DEFAULT) -> None:
    """A version's manifest: its files with checksums and its lineage."""
    version = _guard(lambda: _registry(config).resolve(ref))
    out.print_json(json.dumps(version.manifest, ensure_ascii=False))


@app.command()
def publish(folder: Annotated[Path, typer.Argument(help="A model folder.", exists=True, file_okay=False)],
            name: Annotated[str, typer.Option(help="The model's name in the registry.")],
            alias: Annotated[Optional[str], typer.Option(help="Also point this alias at the version.")] = None,
            config: ConfigOption = DEFAULT) -> None:
    """Publish any model folder as the next version of NAME (identical content: the same version)."""
    registry = _registry(config)
    version, new = _guard(lambda: registry.publish(name, folder, lineage={"source": str(folder.resolve())}))
    out.print(f"{version.ref} {'published' if new else 'already published (same content)'}")
    if alias:
        _guard(lambda: registry.set_alias(name, alias, version.number))
        out.print(f"{name}@{alias} → {version.number}")


@app.command("alias")
def alias_(name: str, alias: str, version: int,
           expect: Annotated[Optional[int], typer.Option(help="Refuse unless the alias points to this version now.")] = None,
           config: ConfigOption = DEFAULT) -> None:
    """Point ALIAS of NAME at VERSION (compare-and-swap: a concurrent move is refused)."""
    record = _guard(lambda: _registry(config).set_alias(name, alias, version, "current" if expect is None else expect))
    out.print(f"{name}@{alias} → {record['version']}")


@app.command()
def rollback(name: str, alias: Annotated[str, typer.Argument()] = "production", config: ConfigOption = DEFAULT) -> None:
    """Move ALIAS (default production) back to the version it pointed to before."""
    record = _guard(lambda: _registry(config).rollback(name, alias))
    out.print(f"{name}@{alias} → {record['version']}")


@app.command()
def verify(ref: str, config: ConfigOption = DEFAULT) -> None:
    """Hash every stored file of a version again; exit 1 naming each one that does not match."""
    problems = _guard(lambda: _registry(config).verify(ref))
    for problem in problems:
        err.print(f"[red]corrupted[/red] {problem}", highlight=False)
    if problems:
        raise typer.Exit(1)
    out.print(f"{ref}: every file matches its checksum")


@app.command()
def pull(ref: str, to: Annotated[Optional[Path], typer.Option(help="The cache folder.")] = None,
         config: ConfigOption = DEFAULT) -> None:
    """Download a version into the local cache, checking every file; prints its folder."""
    from vertune.model.embedded import cache_root  # imports torch: only when pulling

    out.print(str(_guard(lambda: _registry(config).pull(ref, to or cache_root() / "registry"))))


@app.command()
def gc(name: str, yes: Annotated[bool, typer.Option("--yes", help="Remove; without it, only list.")] = False,
       config: ConfigOption = DEFAULT) -> None:
    """Versions no alias points to (the newest is kept) and blobs nothing lists: listed, or removed with --yes."""
    found = _guard(lambda: _registry(config).gc(name, apply=yes))
    verb = "removed" if yes else "would remove (run again with --yes)"
    out.print(f"{verb}: versions {found['versions'] or 'none'}, {len(found['blobs'])} unreferenced files")
