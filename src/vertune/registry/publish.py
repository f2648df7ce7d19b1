"""The publish stage and ``vertune publish``: the chosen compressed variant becomes a registry version.

1. The variant: ``compress/report.json``'s ``selected`` folder (``compress/variants/NAME``).
2. The gate: the eval stage's report must exist, and no domain task's primary metric of the tuned
   model may fall more than ``registry.gate.max_drop`` below the version ``registry.alias``
   points to now (its lineage holds its figures). A refusal names every task that fails;
   ``vertune publish --override-gate`` publishes anyway and records that it did.
3. The version: ``Registry.publish`` (immutable, checksummed, content-addressed) with the
   lineage below, then ``registry.alias`` moved to it by compare-and-swap against the version
   the gate compared with, so a rival publish in between is refused rather than overwritten.

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
from vertune.registry.registry import RegistryError, Version, registry_of
from vertune.workspace import Workspace, library_versions

PUBLISHED = "published.json"
LINEAGE_STAGES = ("ingest", "preprocess", "annotate", "prepare", "train", "eval", "compress")


class GateRefused(RegistryError):
    """The candidate scores below the version it would replace (or has no evaluation)."""


def publish_stage(ctx: StageContext) -> None:
    """Gate, publish and alias the compress stage's chosen variant (see the module doc)."""
    config, workspace = ctx.config, ctx.workspace
    compress = _read_json(workspace.artifact("compress", "report.json"))
    folder = workspace.stage_dir("compress") / compress["variants"][compress["selected"]]["folder"]
    if workspace.manifest("eval") is None:
        raise GateRefused("not published: the model has no evaluation (run `vertune eval` first)")
    figures = eval_figures(_read_json(workspace.artifact("eval", "report.json")))
    registry, name, alias = registry_of(config), model_name(config), config.registry.alias
    current = registry.alias(name, alias) if alias else None
    parent = registry.version(name, current["version"]) if current else None
    failures = gate(figures, parent, config.registry.gate.max_drop)
    override = bool(ctx.options.get("override_gate"))
    if failures and not override:
        raise GateRefused(f"not published: {name} would fall below {parent.ref if parent else '?'} ({alias}) on "
                          + "; ".join(failures) + ". Use `vertune publish --override-gate` to publish anyway")
    ctx.counts["in"] += 1
    gate_record = {"against": parent.ref if parent else None, "max_drop": config.registry.gate.max_drop,
                   "failures": failures, "overridden": bool(failures)}
    lineage = build_lineage(config, workspace, compress, figures, parent, gate_record)
    version, new = registry.publish(name, folder, lineage)
    moved = None
    if alias and (current is None or current["version"] != version.number):
        moved = registry.set_alias(name, alias, version.number, expected=current["version"] if current else None)
    record = {"name": name, "version": version.number, "ref": version.ref, "new": new, "url": registry.store.url,
              "variant": compress["selected"], "alias": alias, "alias_moved": moved is not None,
              "parent": parent.ref if parent else None, "gate": gate_record}
    (ctx.out / PUBLISHED).write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    ctx.counts["out"] += 1
    ctx.stats.update({k: record[k] for k in ("ref", "new", "url", "variant", "alias", "parent")})


def model_name(config: Config) -> str:
    """The model's name in the registry: ``registry.name``, else the project's name."""
    return config.registry.name or config.project


def eval_figures(report: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per domain task: its primary metric's name and the tuned model's value (the gate's figures)."""
    domain = report.get("domain") or {}
    if not domain:
        raise GateRefused("not published: the eval report has no domain task, so nothing shows the model is fit")
    return {task: {"metric": t["primary"], "value": t["metrics"]["tuned"][t["primary"]]} for task, t in domain.items()}


def gate(figures: Mapping[str, Mapping[str, Any]], parent: Version | None, max_drop: float) -> list[str]:
    """Why the candidate may not replace ``parent`` (empty: it may): each task of the parent's
    recorded figures on which the candidate's primary metric is more than ``max_drop`` lower."""
    if parent is None:
        return []
    before = parent.manifest.get("lineage", {}).get("eval", {})
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
