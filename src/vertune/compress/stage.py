"""The compress stage and ``vertune compress``: the tuned model in, smaller models and a report out.

1. Merge the train stage's model into ``variants/merged`` (bf16), then build the variants the
   config asks for (``compression.quantize``, ``compression.prune_ratio``) from it, calibrating
   pruning on prepare's training samples (``variants.py``), and with ``compression.distill.student``
   the student taught by the merged model and the same student untaught (``distill.py``).
2. Load each model, the tuned one first (the adapter on its base, as the eval stage measured it),
   one at a time: its cost (``measure.py``) and its quality on the domain test items, plus the
   perplexity of their gold answers.
3. Check every variant against the tolerance, choose the one to publish and write
   ``report.json`` / ``report.html`` (``report.py``); ``selected`` names the folder publish versions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from vertune.compress import variants as build
from vertune.compress.distill import train_students
from vertune.compress.finetune import full_config, full_finetune
from vertune.compress.measure import disk_bytes, measure
from vertune.compress.report import REFERENCES, TUNED, choose, verdict, write_report
from vertune.evaluate import metrics
from vertune.evaluate.evaluation import ModelRun, run_model, summarise
from vertune.evaluate.runners import ADAPTER_PREFIX, LocalRunner, load_runner
from vertune.evaluate.stage import read_test_split, trained_spec
from vertune.evaluate.suites import build_suites
from vertune.model.loading import resolve_model_path
from vertune.pipeline import StageContext
from vertune.records import Sample, read_jsonl

VARIANTS, RUNS = "variants", "runs"  # the variants' folders; the training runs of students and recovery
CALIBRATION_SAMPLES = 64
SPEED_PROMPTS = 8


def compress_stage(ctx: StageContext) -> None:
    """Build, measure and choose (see the module doc)."""
    config, settings = ctx.config, ctx.config.compression
    tuned = trained_spec(ctx.workspace)
    samples, tasks = read_test_split(ctx.workspace, ctx.reject)
    limit = settings.max_items_per_task or config.evaluation.max_items_per_task
    items = build_suites(["domain"], samples, tasks, config.evaluation.max_new_tokens, limit)
    if not items:
        raise ValueError("compress measures quality on prepare's domain test split, and it is empty: run prepare first")
    ctx.counts["in"] += 1

    folders = _build_variants(ctx, tuned)
    specs = {TUNED: tuned, **{name: str(folder) for name, folder in folders.items()}}
    prompts = [item.request.messages for item in items[:: max(1, len(items) // SPEED_PROMPTS)][:SPEED_PROMPTS]]
    runs: dict[str, ModelRun] = {}
    costs: dict[str, dict[str, Any]] = {}
    with ctx.progress(len(specs) * len(items), "measuring variants") as advance:
        for name, spec in specs.items():
            runner = load_runner(spec, config, name=name)
            if not isinstance(runner, LocalRunner):
                raise TypeError(f"compress measures local models; {spec} is not one")
            texts = [runner.tokenizer.decode(runner.prompt_ids(m)) for m in prompts]
            folder = folders.get(name) or Path(spec.removeprefix(ADAPTER_PREFIX))
            costs[name] = measure(folder, runner.model, runner.tokenizer, texts).as_dict()
            if name == TUNED:
                costs[name]["disk_bytes"] = disk_bytes(folder) + _base_bytes(spec, config.model.base)
            runs[name] = run_model(runner, items, advance)
            del runner
    evaluation = summarise(runs, items)
    report = _report(ctx, evaluation.summary, runs, costs, folders, limit, _changed_items(evaluation.predictions))
    write_report(report, ctx.out)
    ctx.counts["out"] += 1
    ctx.stats.update({"selected": report["selected"],
                      "variants": {n: {"disk_mb": round(v["cost"]["disk_bytes"] / 2**20, 2), "passes": v["passes"]}
                                   for n, v in report["variants"].items()}})


def _build_variants(ctx: StageContext, tuned: str) -> dict[str, Path]:
    config, settings = ctx.config, ctx.config.compression
    root = ctx.out / VARIANTS
    folder = Path(tuned.removeprefix(ADAPTER_PREFIX))
    # Seconds each (merge, prune, quantise): no progress bar; the trainings below draw their own.
    merged = build.save_merged(folder, root / build.MERGED, config.model.base, config.model.trust_remote_code)
    folders = {build.MERGED: merged}
    if settings.prune_ratio > 0:
        calibration = _calibration_texts(ctx)
        folders[build.PRUNED] = build.save_pruned(merged, root / build.PRUNED, settings.prune_ratio, calibration,
                                                  config.training.max_length)
        if settings.recovery_steps:  # the pruned model trained a little on the samples, saved in its place
            recovery = full_config(config, str(folders[build.PRUNED]), settings.recovery_learning_rate,
                                   settings.recovery_steps)
            folders[build.PRUNED] = full_finetune(recovery, *_splits(ctx), ctx.out / RUNS / "pruned_recovery",
                                                  ctx.scratch / "pruned_recovery", root / build.PRUNED,
                                                  Console(stderr=True), ctx.show_progress)
    if settings.quantize == "int8":
        folders[build.INT8] = build.save_int8_variant(merged, root / build.INT8)
        if build.PRUNED in folders:
            folders[build.PRUNED_INT8] = build.save_int8_variant(folders[build.PRUNED], root / build.PRUNED_INT8)
    if settings.distill.student:
        folders |= train_students(config, merged, *_splits(ctx), root, ctx.out / RUNS, ctx.scratch,
                                  Console(stderr=True), live=ctx.show_progress)
    return folders


def _splits(ctx: StageContext) -> tuple[list[Sample], list[Sample]]:
    """prepare's training and validation samples."""
    return _samples(ctx, "train.jsonl"), _samples(ctx, "val.jsonl")


def _calibration_texts(ctx: StageContext) -> list[str]:
    """Up to 64 training samples spread over the file (every task), as the model reads them."""
    from vertune.model.loading import load_tokenizer

    samples = _samples(ctx, "train.jsonl")
    chosen = samples[:: max(1, len(samples) // CALIBRATION_SAMPLES)][:CALIBRATION_SAMPLES]
    tokenizer = load_tokenizer(ctx.config.model.base, ctx.config.model.trust_remote_code)
    if not tokenizer.chat_template:
        return ["\n\n".join(m["content"] for m in s.messages) for s in chosen]
    return [tokenizer.apply_chat_template(s.messages, tokenize=False) for s in chosen]


def _samples(ctx: StageContext, name: str) -> list[Sample]:
    path = ctx.artifact("prepare", name)
    return list(read_jsonl(path, Sample, on_reject=ctx.reject, stage="compress")) if path.exists() else []


def _base_bytes(spec: str, base: str) -> int:
    """An adapter's base weights (the tuned model on disk is base + adapter)."""
    return disk_bytes(Path(resolve_model_path(base))) if spec.startswith(ADAPTER_PREFIX) else 0


def _changed_items(predictions: list[dict[str, Any]]) -> dict[str, dict[str, tuple[int, int]]]:
    """Per variant and domain task: on how many items it scored lower and higher than the tuned model."""
    tuned = {(p["task"], p["id"]): p["score"] for p in predictions if p["model"] == TUNED and p["suite"] == "domain"}
    changed: dict[str, dict[str, list[int]]] = {}
    for p in predictions:
        if p["model"] != TUNED and p["suite"] == "domain":
            counts = changed.setdefault(p["model"], {}).setdefault(p["task"], [0, 0])
            delta = p["score"] - tuned[(p["task"], p["id"])]
            counts[0] += delta < 0
            counts[1] += delta > 0
    return {model: {task: (worse, better) for task, (worse, better) in tasks.items()} for model, tasks in changed.items()}


def _report(ctx: StageContext, summary: dict[str, Any], runs: dict[str, ModelRun], costs: dict[str, dict[str, Any]],
            folders: dict[str, Path], limit: int | None,
            changed: dict[str, dict[str, tuple[int, int]]]) -> dict[str, Any]:
    settings = ctx.config.compression
    domain = summary["domain"]
    variants: dict[str, dict[str, Any]] = {}
    for name, run in runs.items():
        losses = list(run.losses.values())
        perplexity = metrics.perplexity([x.nll for x in losses], [x.tokens for x in losses]) if losses else None
        variants[name] = {"folder": str(folders[name].relative_to(ctx.out)) if name in folders else None,
                          "cost": costs[name], "perplexity": perplexity,
                          "quality": {task: t["metrics"][name][t["primary"]] for task, t in domain.items()}}
    for name, v in variants.items():
        v["reasons"] = [] if name in REFERENCES else verdict(v["quality"], v["perplexity"], variants[TUNED],
                                                        settings.max_quality_drop, settings.max_perplexity_increase,
                                                        changed.get(name, {}))
        v["changed_items"] = {task: {"lower": w, "higher": b} for task, (w, b) in changed.get(name, {}).items()}
        v["passes"] = not v["reasons"]
    selected, why = choose(variants, settings.publish)
    return {"title": f"{ctx.config.project}: compression", "selected": selected, "why": why,
            "tolerance": {"quality": settings.max_quality_drop, "perplexity": settings.max_perplexity_increase},
            "pruned_recovery_steps": settings.recovery_steps if settings.prune_ratio > 0 else None,
            "items": summary["items"],
            "items_note": f"{'up to ' + str(limit) if limit else 'all'} per task, the same items for every variant",
            "primary": {task: t["primary"] for task, t in domain.items()},
            "variants": variants, "evaluation": summary}
