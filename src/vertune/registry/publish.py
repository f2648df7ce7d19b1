"""The publish stage and ``vertune publish``: the chosen compressed variant becomes a registry version.

1. The variant: ``compress/report.json``'s ``selected`` folder (``compress/variants/NAME``).
2. The gate: the eval stage's report must exist; the variant must be within compress's tolerance
   of the tuned model (a variant named by ``compression.publish`` may not be); and no domain
   task's primary metric of the tuned model may fall more than ``registry.gate.max_drop`` below
   the version ``registry.alias`` points to now (without an alias: the newest version), whose
   lineage holds its figures. A refusal names every failure; ``vertune publish --override-gate``
   publishes anyway, and the version's lineage records the failures and the override.
3. The version: ``Registry.publish`` (immutable, checksummed, content-addressed) with the
   lineage below, then ``registry.alias`` moved to it by compare-and-swap against the version
   the gate compared with, so a rival publish in between is refused rather than overwritten.
   Content published before returns its version and moves no alias (``vertune registry alias``
   does that on purpose).

Lineage (``vertune registry show NAME@V``): the base model's spec and weights hash, the resolved
config with secrets masked, every upstream stage's fingerprint, the training data hashes and
training report, the eval headline, the compress report (without its per-item evaluation), the
variant, the parent version, the gate's verdict, vertune's and the libraries' versions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from vertune import __version__
from vertune.config import Config, public_dump
from vertune.pipeline import StageContext
from vertune.registry.registry import Registry, RegistryError, Version, registry_of
from vertune.registry.store import StaleWrite
from vertune.workspace import Workspace, library_versions

PUBLISHED = "published.json"
LINEAGE_STAGES = ("ingest", "preprocess", "annotate", "prepare", "train", "eval", "compress")


class GateRefused(RegistryError):
    """The candidate scores below the version it would replace (or has no evaluation)."""


def publish_stage(ctx: StageContext) -> None:
    """Gate, publish and alias the compress stage's chosen variant (see the module doc)."""
    config, workspace = ctx.config, ctx.workspace
    if workspace.manifest("eval") is None:
        raise GateRefused("not published: the model has no evaluation (run `vertune eval` first)")
    compress = _read_json(workspace.artifact("compress", "report.json"))
    selected = compress.get("selected")
    variant = compress.get("variants", {}).get(selected)
    if variant is None or not variant.get("folder"):
        raise RegistryError(f"compress/report.json names no built variant {selected!r}: re-run `vertune compress`")
    figures = eval_figures(_read_json(workspace.artifact("eval", "report.json")))
    registry, name, alias = registry_of(config), model_name(config), config.registry.alias
    try:
        record = _publish(ctx, registry, name, alias, compress, variant, figures)
    except OSError as error:  # an unreachable or refusing store: say which one
        raise RegistryError(f"registry {registry.store.url}: {error}") from error
    (ctx.out / PUBLISHED).write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    ctx.counts["in"] += 1
    ctx.counts["out"] += 1
    ctx.stats.update({k: record[k] for k in ("ref", "new", "url", "variant", "alias", "parent")})


def _publish(ctx: StageContext, registry: Registry, name: str, alias: str | None, compress: Mapping[str, Any],
             variant: Mapping[str, Any], figures: Mapping[str, Any]) -> dict[str, Any]:
    config = ctx.config
    current = registry.alias(name, alias) if alias else None
    parent = _parent(registry, name, alias, current)
    failures = gate(figures, parent, config.registry.gate.max_drop)
    if not variant.get("passes", False):  # named by compression.publish although outside the tolerance
        failures.insert(0, f"the {compress['selected']} variant is outside compress's tolerance against the tuned "
                           f"model ({'; '.join(variant.get('reasons', []))})")
    if failures and not ctx.options.get("override_gate"):
        against = f" than {parent.ref}" if parent else ""
        raise GateRefused(f"not published: {name} scores worse{against}: " + "; ".join(failures)
                          + ". Use `vertune publish --override-gate` to publish anyway")
    gate_record = {"against": parent.ref if parent else None, "max_drop": config.registry.gate.max_drop,
                   "failures": failures, "overridden": bool(failures)}
    lineage = build_lineage(config, ctx.workspace, compress, figures, parent, gate_record)
    folder = ctx.workspace.stage_dir("compress") / variant["folder"]
    version, new = registry.publish(name, folder, lineage)
    moved = False
    if alias and new:  # an existing version is not promoted again by publishing its content twice
        expected = current["version"] if current else None
        try:
            registry.set_alias(name, alias, version.number, expected=expected)
        except StaleWrite as error:
            raise RegistryError(f"{version.ref} is published, but {name}@{alias} moved meanwhile ({error}); "
                                f"point it with `vertune registry alias {name} {alias} {version.number}`") from None
        moved = True
    return {"name": name, "version": version.number, "ref": version.ref, "new": new, "url": registry.store.url,
            "variant": compress["selected"], "alias": alias, "alias_moved": moved,
            "parent": parent.ref if parent else None, "gate": gate_record}


def _parent(registry: Registry, name: str, alias: str | None, current: Mapping[str, Any] | None) -> Version | None:
    """The version a new one is gated against: the alias's target, or without an alias the newest."""
    if not alias:
        versions = registry.versions(name)
        return versions[-1] if versions else None
    if current is None:
        return None
    try:
        return registry.version(name, current["version"])
    except RegistryError:
        raise RegistryError(f"{name}@{alias} points to version {current['version']}, which is not in "
                            f"{registry.store.url}; point it at a published version with `vertune registry alias` "
                            "first") from None


def model_name(config: Config) -> str:
    """The model's name in the registry: ``registry.name``, else the project's name."""
    return config.registry.name or config.project


def eval_figures(report: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per domain task: its primary metric's name and the tuned model's value (the gate's figures)."""
    domain = report.get("domain") or {}
    if not domain or any("tuned" not in t.get("metrics", {}) for t in domain.values()):
        raise GateRefused("not published: the eval report has no domain figures of the tuned model, so nothing "
                          "shows it is fit (re-run `vertune eval`)")
    return {task: {"metric": t["primary"], "value": t["metrics"]["tuned"][t["primary"]]} for task, t in domain.items()}


def gate(figures: Mapping[str, Mapping[str, Any]], parent: Version | None, max_drop: float) -> list[str]:
    """Why the candidate may not replace ``parent`` (empty: it may): each task of the parent's
    recorded figures on which the candidate's primary metric is more than ``max_drop`` lower."""
    if parent is None:
        return []
    before = parent.manifest.get("lineage", {}).get("eval", {})
    if not before:
        return [f"{parent.ref} has no recorded evaluation to compare with (published outside the publish stage)"]
    failures = []
    for task, old in before.items():
        new = figures.get(task, {}).get("value")
        if new is None:
            failures.append(f"{task}: not evaluated (was {old['value']:.4f})")
        elif old["value"] - new > max_drop + 1e-12:
            failures.append(f"{task}: {new:.4f} vs {old['value']:.4f} ({old['metric']}, drop {old['value'] - new:.4f} "
                            f"> {max_drop})")
    return failures


def build_lineage(config: Config, workspace: Workspace, compress: Mapping[str, Any], figures: Mapping[str, Any],
                  parent: Version | None, gate_record: Mapping[str, Any]) -> dict[str, Any]:
    """Everything a served answer traces back to (see the module doc); secrets masked."""
    manifests = {stage: workspace.manifest(stage) or {} for stage in LINEAGE_STAGES}
    training = _read_json(workspace.stage_dir("train") / "training_report.json", missing_ok=True)
    return {
        "base_model": {"spec": config.model.base, "weights": training.get("base_model_hash")},
        "variant": compress["selected"], "variant_reason": compress.get("why"),
        "variant_quality": compress["variants"][compress["selected"]].get("quality"),
        "parent": parent.ref if parent else None,
        "eval": dict(figures),
        "compress": {k: v for k, v in compress.items() if k != "evaluation"},
        "training": training,
        "data": training.get("data", {}),
        "stages": {stage: m.get("fingerprint") for stage, m in manifests.items()},
        "config": public_dump(config),
        "gate": dict(gate_record),
        "versions": {"vertune": __version__, **library_versions()},
    }


def _read_json(path: Any, missing_ok: bool = False) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if missing_ok:
            return {}
        raise
