"""The life cycle's stages in order, as the CLI and ``run_pipeline`` see them.

Each entry only declares: upstream stages, hashed inputs, the config slice that shapes the
output, and the ``module:function`` that runs it (imported lazily, so ``vertune config`` never
pays for torch). A stage whose ``target`` is None is not built yet and says so. The slice has
its secrets masked and leaves out the knobs that cannot change the output
(``evaluation.concurrency``, ``training.save_steps``, Label Studio's connection): changing
those re-runs nothing. A setting lives in the section of the stage that uses it (split ratios
under ``prepare``), so changing it re-runs that stage and what follows, not what comes before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from vertune.config import Config, public_dump
from vertune.pipeline import Stage


def _source_files(config: Config) -> list[Path]:
    from vertune.data.ingest import expand_source

    return [path for source in config.sources if source.path
            for path in expand_source(source, config.base_dir, exclude=[config.workspace_dir])]


def _section(name: str, *ignored: str) -> Callable[[Config], Any]:
    """A stage's params: config section ``name``, secrets masked, minus the keys in ``ignored``
    that cannot change the stage's output (so changing them re-runs nothing)."""

    def params(config: Config) -> Any:
        data = public_dump(config, name)
        return {k: v for k, v in data.items() if k not in ignored} if isinstance(data, dict) else data

    return params


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
    return {"preprocess": public_dump(config, "preprocess"), "tokenizer": config.model.base}


def _base_identity(config: Config) -> str:
    """``model.base``, and for an embedded model the digest of the weights this vertune ships.

    A release that retrains the embedded base keeps the spec (``embedded:tiny-qwen3``) but not
    the model: without the digest an existing workspace would keep adapters, budgets and scores
    made from the old weights. (Read as a file, not through ``vertune.model``, which needs torch.)
    """
    spec = config.model.base
    if spec.startswith("embedded:"):
        weights = resources.files("vertune.model") / "weights" / f"{spec.removeprefix('embedded:')}.safetensors"
        if weights.is_file():
            return f"{spec}@{hashlib.sha256(weights.read_bytes()).hexdigest()[:12]}"
    return spec


def _prepare_params(config: Config) -> Any:
    """Prepare's own section, and the sample bound it enforces with the model's tokenizer."""
    return {"prepare": public_dump(config, "prepare"), "seed": config.seed, "project": config.project,
            "max_length": config.training.max_length, "tokenizer": _base_identity(config)}


def _train_params(config: Config) -> Any:
    """Model, adapter and training settings; how often checkpoints are kept does not shape the result."""
    return {"model": public_dump(config, "model"), "base": _base_identity(config), "lora": public_dump(config, "lora"),
            "training": _section("training", "save_steps", "save_total_limit")(config)}


def _compress_params(config: Config) -> Any:
    """Compression's own section and the evaluation settings its quality figures depend on."""
    return {"compression": public_dump(config, "compression"),
            "evaluation": {k: public_dump(config, "evaluation")[k] for k in ("max_new_tokens", "max_items_per_task")}}


STAGES: tuple[Stage, ...] = (
    Stage("ingest", "read every source into Document records", target="vertune.data.stages:ingest_stage",
          inputs=_source_files, params=_section("sources")),
    Stage("preprocess", "clean, split to the token limit, deduplicate", after=("ingest",),
          target="vertune.data.stages:preprocess_stage", params=_preprocess_params),
    Stage("annotate", "pre-label, double-blind labelling, agreement, arbitration", after=("preprocess",),
          target="vertune.annotate.stage:annotate_stage", params=_section("annotation", "label_studio"),
          inputs=_annotation_inputs),
    Stage("prepare", "annotations → chat samples, mixing, curriculum, splits, exports", after=("annotate",),
          target="vertune.prepare.stage:prepare_stage", inputs=_prepare_inputs,
          params=_prepare_params),
    Stage("train", "fine-tuning (LoRA, QLoRA or full) with live curves, checkpoints, early stopping", after=("prepare",),
          target="vertune.train.stage:train_stage",
          params=_train_params, conserves_items=False),
    Stage("eval", "domain, general and robustness suites; base vs tuned report", after=("train",),
          target="vertune.evaluate.stage:eval_stage",
          params=_section("evaluation", "concurrency"), conserves_items=False),
    Stage("compress", "merge, INT8 quantisation, structured pruning; size, speed and quality report", after=("eval",),
          target="vertune.compress.stage:compress_stage", params=_compress_params, conserves_items=False),
    Stage("publish", "version the chosen variant in the registry, behind the eval gate", after=("compress",),
          target="vertune.registry.publish:publish_stage", params=_section("registry"), conserves_items=False),
    Stage("serve", "REST + gRPC serving of a published version", after=("publish",),
          params=_section("serving"), conserves_items=False),
    Stage("loop", "request logs → error samples → incremental training → A/B", after=("serve",),
          params=_section("loop"), conserves_items=False),
)

STAGE_NAMES: tuple[str, ...] = tuple(stage.name for stage in STAGES)


def stage_named(name: str) -> Stage:
    for stage in STAGES:
        if stage.name == name:
            return stage
    raise KeyError(f"unknown stage '{name}'; stages are: {', '.join(STAGE_NAMES)}")
