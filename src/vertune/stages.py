"""The life cycle's stages in order, as the CLI and ``run_pipeline`` see them.

Each entry only declares: upstream stages, hashed inputs, the config slice that shapes the
output, and the ``module:function`` that runs it (imported lazily, so ``vertune config``
never pays for torch). A stage whose ``target`` is None is not built yet and says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vertune.config import Config
from vertune.pipeline import Stage


def _source_files(config: Config) -> list[Path]:
    from vertune.data.ingest import expand_source

    return [path for source in config.sources if source.path
            for path in expand_source(source, config.base_dir, exclude=[config.workspace_dir])]


def _ingest_params(config: Config) -> Any:
    return [source.model_dump(mode="json") for source in config.sources]


def _annotation_inputs(config: Config) -> list[Path]:
    """Label Studio exports dropped in the inbox, custom guidelines and the lexicon: new labels
    or new domain words re-run annotate."""
    guidelines = [config.resolve(task.guideline) for task in config.annotation.tasks if task.guideline]
    lexicon = [config.resolve(config.annotation.lexicon)] if config.annotation.lexicon else []
    return [config.workspace_dir / "annotate_inbox", *guidelines, *lexicon]


def _prepare_inputs(config: Config) -> list[Path]:
    """The synonym list: new synonyms re-run prepare."""
    synonyms = config.prepare.augment.synonyms_file
    return [config.resolve(synonyms)] if synonyms else []


def _preprocess_params(config: Config) -> Any:
    return {"preprocess": config.preprocess.model_dump(mode="json"), "tokenizer": config.model.base}


STAGES: tuple[Stage, ...] = (
    Stage("ingest", "read every source into Document records", target="vertune.data.stages:ingest_stage",
          inputs=_source_files, params=_ingest_params),
    Stage("preprocess", "clean, split to the token limit, deduplicate", after=("ingest",),
          target="vertune.data.stages:preprocess_stage", params=_preprocess_params),
    Stage("annotate", "pre-label, double-blind labelling, agreement, arbitration", after=("preprocess",),
          target="vertune.annotate.stage:annotate_stage", params=lambda c: c.annotation.model_dump(mode="json"),
          inputs=_annotation_inputs),
    Stage("prepare", "annotations → chat samples, mixing, curriculum, splits, exports", after=("annotate",),
          target="vertune.prepare.stage:prepare_stage", inputs=_prepare_inputs,
          params=lambda c: {"prepare": c.prepare.model_dump(mode="json"), "split": c.preprocess.split.model_dump(mode="json"),
                            "seed": c.seed, "project": c.project}),
    Stage("train", "LoRA fine-tuning with live curves, checkpoints, early stopping", after=("prepare",),
          target="vertune.train.stage:train_stage",
          params=lambda c: {"model": c.model.model_dump(mode="json"), "lora": c.lora.model_dump(mode="json"),
                            "training": c.training.model_dump(mode="json")}, conserves_items=False),
    Stage("eval", "domain, general and robustness suites; base vs tuned report", after=("train",),
          target="vertune.evaluate.stage:eval_stage",
          params=lambda c: c.evaluation.model_dump(mode="json"), conserves_items=False),
    Stage("compress", "merge, INT8 quantisation, pruning, distillation", after=("train",),
          params=lambda c: c.compression.model_dump(mode="json"), conserves_items=False),
    Stage("publish", "version the model in the registry", after=("compress",),
          params=lambda c: c.registry.model_dump(mode="json"), conserves_items=False),
    Stage("serve", "REST + gRPC serving of a published version", after=("publish",),
          params=lambda c: c.serving.model_dump(mode="json"), conserves_items=False),
    Stage("loop", "request logs → error samples → incremental training → A/B", after=("serve",),
          params=lambda c: c.loop.model_dump(mode="json"), conserves_items=False),
)

STAGE_NAMES: tuple[str, ...] = tuple(stage.name for stage in STAGES)


def stage_named(name: str) -> Stage:
    for stage in STAGES:
        if stage.name == name:
            return stage
    raise KeyError(f"unknown stage '{name}'; stages are: {', '.join(STAGE_NAMES)}")
