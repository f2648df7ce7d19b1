"""The three evaluation suites as lists of ``EvalItem``: domain, general and robustness.

- **domain**: the prepare stage's test split, one task per configured task, scored by the
  task type's metric (``scoring.py``).
- **general**: ``data/general_eval.jsonl``, ~120 original items (Chinese and English reading
  comprehension, arithmetic word problems, multiple choice) that measure what fine-tuning
  keeps of the base model's everyday skills. None of them is in the training mix.
- **robustness**: domain items with the passage perturbed (``perturb.py``), each perturbed
  item paired with its original through ``source_id``, so the drop per perturbation compares
  like with like. Only the passage changes; the instruction, label list and question stay.

``limit`` caps the items per task (the first ones: prepare sorts test samples by id, which is
a content hash, so the first N are an unbiased, stable choice). Robustness takes
``limit // len(PERTURBATIONS)`` originals per task, so it costs about as much as the domain suite.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from vertune.evaluate.perturb import PERTURBATIONS, perturbations
from vertune.evaluate.runners import Request
from vertune.evaluate.scoring import answer_budget, scorer_for
from vertune.prepare.answers import ITEM_KEYS, parse_answer
from vertune.prepare.augment import Synonyms
from vertune.prepare.templates import GENERAL_SYSTEM, render_prompt
from vertune.records import Sample

GENERAL_FILE = Path(__file__).parent / "data" / "general_eval.jsonl"
SUITES = ("domain", "general", "robustness")
ORIGINAL = "original"
_TEXT, _QUESTION = "\x00TEXT\x00", "\x00QUESTION\x00"


@dataclass(frozen=True)
class EvalItem:
    """One question put to every model, with what is needed to score the reply."""

    id: str
    suite: str
    task: str
    task_type: str
    request: Request
    gold: str
    labels: tuple[str, ...] = ()  # a label task's labels; a multiple-choice item's options
    language: str = "zh"
    variant: str = ""  # a robustness item's perturbation, or ORIGINAL
    source_id: str = ""  # the original item of a robustness item


def cap_per_task(items: Iterable[EvalItem], limit: int | None) -> list[EvalItem]:
    """The first ``limit`` items of every task, in input order (all of them when None)."""
    seen: dict[str, int] = {}
    kept = []
    for item in items:
        seen[item.task] = seen.get(item.task, 0) + 1
        if limit is None or seen[item.task] <= limit:
            kept.append(item)
    return kept


def _request(messages: Sequence[dict[str, str]], task_type: str, ceiling: int, longest: int | None = None) -> Request:
    return Request(tuple(messages), answer_budget(task_type, ceiling, longest), scorer_for(task_type).stop)


# --- domain -----------------------------------------------------------------------------------


def domain_items(samples: Iterable[Sample], tasks: Mapping[str, Mapping[str, Any]], max_new_tokens: int,
                 limit: int | None = None) -> list[EvalItem]:
    """Test samples as items: the prompt is every turn before the last, the gold is the last.

    ``tasks`` is prepare's ``tasks.json`` (name → type, tier, labels, answer_tokens): a task's
    answer budget fits its longest training answer, within ``max_new_tokens``.
    """
    items = []
    for sample in samples:
        spec = tasks.get(sample.task, {})
        task_type = spec.get("type") or sample.meta.get("task_type", sample.task)
        prompt = [{"role": m.role, "content": m.content} for m in sample.messages[:-1]]
        items.append(EvalItem(
            id=sample.id, suite="domain", task=sample.task, task_type=task_type,
            request=_request(prompt, task_type, max_new_tokens, spec.get("answer_tokens")),
            gold=sample.messages[-1].content,
            labels=tuple(spec.get("labels", ())), language=sample.meta.get("language", "zh"),
        ))
    return cap_per_task(items, limit)


# --- general ------------------------------------------------------------------------------------


def general_items(max_new_tokens: int, limit: int | None = None, path: Path = GENERAL_FILE) -> list[EvalItem]:
    """The shipped general-ability items; a task is a kind in a language (``reading_zh``)."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        messages = [{"role": "system", "content": GENERAL_SYSTEM[row["language"]]},
                    {"role": "user", "content": row["prompt"]}]
        items.append(EvalItem(
            id=row["id"], suite="general", task=f"{row['kind']}_{row['language']}", task_type=row["kind"],
            request=_request(messages, row["kind"], max_new_tokens), gold=row["answer"],
            labels=tuple(row.get("options", ())), language=row["language"],
        ))
    return cap_per_task(items, limit)


# --- robustness -------------------------------------------------------------------------------


def split_prompt(item: EvalItem) -> tuple[str, str, str] | None:
    """(before, passage, after) of a domain item's user turn, found by matching the prepare
    template it was made from; None when the prompt does not follow the template."""
    _, rendered = render_prompt(item.task_type, item.language, _TEXT, item.labels, _QUESTION)
    pattern = "".join("(?P<passage>.*)" if part == _TEXT else ".*" if part == _QUESTION else re.escape(part)
                      for part in re.split(f"({_TEXT}|{_QUESTION})", rendered))
    match = re.fullmatch(pattern, item.request.messages[-1]["content"], re.DOTALL)
    if match is None:
        return None
    user = match.string
    return user[: match.start("passage")], match["passage"], user[match.end("passage") :]


def answer_strings(task_type: str, gold: str, labels: Sequence[str]) -> list[str]:
    """Strings of the passage that the gold answer depends on: what it quotes, and the labels."""
    quoted: list[str] = []
    if task_type in ITEM_KEYS:
        for element in parse_answer(task_type, gold) or []:
            quoted += [value for value in element.values() if value]
    elif task_type == "qa":
        quoted.append(gold.strip())
    return [s for s in dict.fromkeys([*quoted, *labels]) if s]


def perturbed_items(item: EvalItem, synonyms: Synonyms | None = None) -> list[EvalItem]:
    """Every perturbation of one domain item that changes its passage (synonyms from the project's list)."""
    parts = split_prompt(item)
    if parts is None:
        return []
    before, passage, after = parts
    protect = answer_strings(item.task_type, item.gold, item.labels)
    variants = []
    for name, perturb in perturbations(synonyms).items():
        changed = perturb(passage, protect, random.Random(f"{name}:{item.id}"), item.language)
        if changed is None or changed == passage:
            continue
        messages = (*item.request.messages[:-1], {"role": "user", "content": before + changed + after})
        variants.append(replace(item, id=f"{item.id}~{name}", suite="robustness", variant=name, source_id=item.id,
                                request=replace(item.request, messages=messages)))
    return variants


def robustness_items(domain: Sequence[EvalItem], limit: int | None = None,
                     synonyms: Synonyms | None = None) -> list[EvalItem]:
    """The originals (``variant`` "original") and their perturbed copies, capped as the module doc says."""
    originals = cap_per_task(domain, None if limit is None else max(1, limit // len(PERTURBATIONS)))
    items = []
    for item in originals:
        items.append(replace(item, suite="robustness", variant=ORIGINAL, source_id=item.id))
        items += perturbed_items(item, synonyms)
    return items


def build_suites(suites: Sequence[str], test_samples: Sequence[Sample], tasks: Mapping[str, Mapping[str, Any]],
                 max_new_tokens: int, limit: int | None, synonyms: Synonyms | None = None) -> list[EvalItem]:
    """Every item of the wanted suites, domain first."""
    unknown = set(suites) - set(SUITES)
    if unknown:
        raise ValueError(f"unknown suites {sorted(unknown)}; known: {', '.join(SUITES)}")
    domain = domain_items(test_samples, tasks, max_new_tokens)
    items: list[EvalItem] = []
    if "domain" in suites:
        items += cap_per_task(domain, limit)
    if "general" in suites:
        items += general_items(max_new_tokens, limit)
    if "robustness" in suites:
        items += robustness_items(domain, limit, synonyms)
    return items

