"""The pipeline's train stage: prepare's samples in; adapter, curves and report out.

Checkpoints go to the stage's scratch folder, which outlives a killed run: running the stage
again continues from the last checkpoint when config, data and base model are unchanged, and
starts afresh otherwise. With ``training.mode: pretrain`` the stage first continues pretraining
on the preprocessed documents, then runs SFT on the samples starting from those weights.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from vertune.pipeline import StageContext
from vertune.records import Document, Rejection, Sample, read_jsonl
from vertune.train.recipe import TrainResult, train

PRETRAIN = "pretrain"


def train_stage(ctx: StageContext, resume: bool | None = None) -> None:
    """Run the training of ``ctx.config`` (``resume`` as in ``train``: None means automatic;
    ``ctx.options["resume"]``, set by ``vertune train --resume/--fresh``, overrides it)."""
    config = ctx.config
    resume = ctx.options.get("resume", resume)
    console = Console(stderr=True)
    train_samples, val_samples = (_read_samples(ctx, f"{split}.jsonl") for split in ("train", "val"))
    ctx.counts["in"] += len(train_samples) + len(val_samples)
    start_from = None
    if config.training.mode == "pretrain":
        documents = list(read_jsonl(ctx.artifact("preprocess", "documents.jsonl"), Document, on_reject=ctx.reject,
                                    stage="train"))
        train_docs, val_docs = split_documents(documents, config.prepare.split.val)
        console.print(f"continued pretraining on {len(train_docs)} documents ({len(val_docs)} held out)")
        pretrained = train(train_docs, val_docs, config, ctx.out / PRETRAIN, ctx.scratch / PRETRAIN, resume=resume,
                           console=console, live=ctx.show_progress)
        ctx.stats[PRETRAIN] = summary(pretrained)
        start_from = pretrained.weights_dir
    result = train(train_samples, val_samples, config, ctx.out, ctx.scratch / "sft", resume=resume,
                   start_from=start_from, console=console, live=ctx.show_progress, merge=config.training.merge)
    for item, reason in result.dropped:
        ctx.reject(Rejection(stage="train", item=item, reason=reason))
    ctx.counts["out"] += len(train_samples) + len(val_samples) - len(result.dropped)
    ctx.stats.update(summary(result))


def split_documents(documents: list[Document], val_fraction: float) -> tuple[list[Document], list[Document]]:
    """A stable held-out share of documents (by id hash, so adding documents moves none)."""
    held_out = [d for d in documents if int(d.id, 16) % 1000 < val_fraction * 1000]
    kept = {d.id for d in held_out}
    return [d for d in documents if d.id not in kept], held_out


def summary(result: TrainResult) -> dict[str, object]:
    """The figures worth a glance in the stage manifest."""
    keys = ("steps", "best_step", "best_val_loss", "final_train_loss", "stopped_early", "tokens_per_second", "seconds")
    return {key: result.report[key] for key in keys} | {"weights": result.weights_dir.name}


def _read_samples(ctx: StageContext, name: str) -> list[Sample]:
    path: Path = ctx.artifact("prepare", name)
    if not path.exists():
        return []
    return list(read_jsonl(path, Sample, on_reject=ctx.reject, stage="train"))
