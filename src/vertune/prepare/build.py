"""``prepare_samples``: gold annotations → ordered train/val/test samples, as a pure function.

The order of work matters for honest evaluation:

1. every gold annotation becomes samples (or a rejection with the reason);
2. those samples are split, stratified by (task, source), with every sample of one document,
   one parent document and one near-duplicate group in the same split;
3. only then is the train split augmented and mixed with general data, so no augmented or
   general sample can reach val or test;
4. train is put in curriculum order (or a seeded shuffle); val and test are sorted by
   (task, id) so they read the same on every run.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vertune.config import Config
from vertune.data.dedup import near_duplicate_groups
from vertune.data.split import split_samples
from vertune.prepare.answers import Unusable
from vertune.prepare.augment import Translate, back_translation_variant, load_synonyms, synonym_variant
from vertune.prepare.curriculum import curriculum_order, difficulty
from vertune.prepare.general import GENERAL_TASK, general_count, load_general, pick_general
from vertune.prepare.samples import TaskSpec, build_samples, resolve_tasks
from vertune.records import Annotation, Rejection, Sample, Split

SPLITS: tuple[Split, ...] = ("train", "val", "test")


@dataclass
class PreparedSamples:
    """The result: samples per split (in final order), rejections, task specs and figures."""

    splits: dict[Split, list[Sample]]
    rejections: list[Rejection]
    tasks: dict[str, TaskSpec]
    used: int  # gold annotations that became at least one sample
    stats: dict[str, Any] = field(default_factory=dict)


def _reject(annotation: Annotation, reason: str, detail: str = "") -> Rejection:
    where = f"task {annotation.task}" + (f": {detail}" if detail else "")
    return Rejection(stage="prepare", item=annotation.id, reason=reason, detail=where)


TokenLength = Callable[[Sample], int]  # tokens of a whole rendered sample, by the model's tokenizer


def _domain_samples(
    gold: Sequence[Annotation], specs: dict[str, TaskSpec], config: Config, length: TokenLength | None
) -> tuple[list[Sample], list[Rejection], dict[str, Annotation]]:
    """Samples of every usable annotation, rejections for the rest, and the used annotations.

    A sample longer than ``training.max_length`` tokens would be cut in training (losing the end
    of its answer), so it is dropped here; an annotation left with no sample is rejected saying so.
    """
    limit = config.training.max_length
    samples: list[Sample] = []
    rejections: list[Rejection] = []
    used: dict[str, Annotation] = {}
    seen: set[str] = set()
    for annotation in gold:
        if annotation.status != "gold":
            rejections.append(_reject(annotation, "not gold", f"status {annotation.status}"))
            continue
        spec = specs.get(annotation.task)
        if spec is None:
            rejections.append(_reject(annotation, "unknown task", "not in annotation.tasks"))
            continue
        try:
            made = [s for s in build_samples(annotation, spec, config.prepare.language) if s.id not in seen]
        except Unusable as err:
            rejections.append(_reject(annotation, err.reason, err.detail))
            continue
        if not made:
            rejections.append(_reject(annotation, "duplicate sample", "another annotation gives the same samples"))
            continue
        if length is not None:
            sizes = [length(sample) for sample in made]
            made = [sample for sample, size in zip(made, sizes) if size <= limit]
            if not made:
                rejections.append(_reject(annotation, "longer than training.max_length",
                                          f"{min(sizes)} tokens > {limit}"))
                continue
        seen.update(s.id for s in made)
        samples.extend(made)
        used[annotation.id] = annotation
    return samples, rejections, used


def sample_length(tokenizer: Any) -> TokenLength:
    """A token counter for whole samples, rendered with the tokenizer's own chat template."""

    def length(sample: Sample) -> int:
        messages = [{"role": m.role, "content": m.content} for m in sample.messages]
        text = tokenizer.apply_chat_template(messages, tokenize=False)  # as train.data renders it
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    return length


def longest_answers(samples: Sequence[Sample], tokens: Callable[[str], int]) -> dict[str, int]:
    """Task → tokens of its longest final answer (plus the end-of-turn token), for eval's budget."""
    longest: dict[str, int] = {}
    for sample in samples:
        longest[sample.task] = max(longest.get(sample.task, 0), tokens(sample.messages[-1].content) + 1)
    return longest


def _groups(annotations: Sequence[Annotation], config: Config) -> list[list[str]]:
    """Document ids that must share a split: pieces of one parent, and near-duplicate texts."""
    by_parent: dict[str, list[str]] = {}
    texts: dict[str, str] = {}
    for annotation in annotations:
        parent = annotation.meta.get("parent_id")
        if parent:
            by_parent.setdefault(str(parent), []).append(annotation.doc_id)
        texts.setdefault(annotation.doc_id, annotation.text)
    dedup = config.preprocess.dedup
    near = near_duplicate_groups(list(texts.items()), threshold=dedup.threshold, num_perm=dedup.num_perm,
                                 ngram=dedup.ngram, containment=dedup.containment)
    return [group for group in by_parent.values() if len(group) > 1] + near


def _augmented(
    train: Sequence[Sample], used: dict[str, Annotation], specs: dict[str, TaskSpec], config: Config,
    translate: Translate | None,
) -> list[Sample]:
    """Augmented copies of the train annotations' samples, marked in ``meta["augmented"]``."""
    settings = config.prepare.augment
    makers: list[tuple[str, Callable[[Annotation, TaskSpec], Annotation | None]]] = []
    if settings.synonyms and settings.synonyms_file:  # the config refuses synonyms without a file
        synonyms = load_synonyms(config.resolve(settings.synonyms_file))
        makers.append(("synonyms", lambda a, spec: synonym_variant(a, synonyms, settings.synonym_ratio, config.seed)))
    if settings.back_translation:
        if translate is None:
            raise ValueError("prepare.augment.back_translation is on but no translation function was given; "
                             "call vertune.prepare.prepare_samples(gold, config, translate=...) from Python")
        makers.append(("back_translation", lambda a, spec: back_translation_variant(a, spec.type, translate)))
    seen = {s.id for s in train}
    out: list[Sample] = []
    for annotation_id in dict.fromkeys(s.source_ids[0] for s in train):
        annotation = used[annotation_id]
        spec = specs[annotation.task]
        for method, make in makers:
            variant = make(annotation, spec)
            if variant is None:
                continue
            for sample in build_samples(variant, spec, config.prepare.language):
                if sample.id not in seen:
                    seen.add(sample.id)
                    meta = {**sample.meta, "augmented": method}
                    out.append(sample.model_copy(update={"split": "train", "meta": meta}))
    return out


def _scored(samples: Sequence[Sample]) -> list[Sample]:
    """The samples with their curriculum score in ``meta["difficulty"]`` (kept for analysis)."""
    return [s.model_copy(update={"meta": {**s.meta, "difficulty": difficulty(s)}}) for s in samples]


def _ordered_train(train: list[Sample], config: Config) -> list[Sample]:
    """Curriculum order, or a seeded shuffle that depends on the content, not the input order."""
    if config.prepare.curriculum:
        return curriculum_order(train)
    shuffled = sorted(train, key=lambda s: s.id)
    random.Random(f"train:{config.seed}").shuffle(shuffled)
    return shuffled


def _stats(final: dict[Split, list[Sample]], config: Config, general_available: int) -> dict[str, Any]:
    per_task: dict[str, Counter[str]] = {}
    for name, samples in final.items():
        for sample in samples:
            per_task.setdefault(sample.task, Counter())[name] += 1
    train = final["train"]
    return {
        "samples": {name: len(samples) for name, samples in final.items()},
        "per_task": {task: dict(counts) for task, counts in sorted(per_task.items())},
        "general": {"added": sum(s.task == GENERAL_TASK for s in train), "available": general_available,
                    "ratio": config.prepare.general_ratio},
        "augmented": dict(Counter(s.meta["augmented"] for s in train if "augmented" in s.meta)),
        "curriculum": config.prepare.curriculum,
        "language": config.prepare.language,
    }


def prepare_samples(gold: Sequence[Annotation], config: Config, translate: Translate | None = None,
                    length: TokenLength | None = None) -> PreparedSamples:
    """Turn gold annotations into ordered train/val/test samples (see the module doc).

    ``translate(text, target_language)`` is needed only when back-translation is on.
    ``length(sample)`` counts a sample's tokens (``sample_length``); without it nothing is
    length-checked.
    """
    specs = resolve_tasks(config.annotation.tasks, gold)
    domain, rejections, used = _domain_samples(gold, specs, config, length)
    ratios = config.prepare.split
    split = split_samples(domain, _groups(list(used.values()), config),
                          ratios={"train": ratios.train, "val": ratios.val, "test": ratios.test}, seed=ratios.seed)
    by_split = {name: [s for s in split if s.split == name] for name in SPLITS}

    train = by_split["train"] + _augmented(by_split["train"], used, specs, config, translate)
    general = load_general()
    count = general_count(len(train), config.prepare.general_ratio, len(general))
    final: dict[Split, list[Sample]] = {
        "train": _ordered_train(_scored(train + pick_general(general, count, config.seed)), config),
        "val": sorted(_scored(by_split["val"]), key=lambda s: (s.task, s.id)),
        "test": sorted(_scored(by_split["test"]), key=lambda s: (s.task, s.id)),
    }
    return PreparedSamples(final, rejections, specs, len(used), _stats(final, config, len(general)))
