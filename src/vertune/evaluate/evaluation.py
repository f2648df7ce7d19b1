"""``evaluate_models``: put every item to every model, score the replies, summarise.

The first model is the reference (the base model, in the eval stage): every other model's
metrics are also reported as deltas against it, its general-suite score is the 100 % of
"retention", and the worst examples are picked from the last model (the tuned one). Every task
also carries its trivial baselines (``baselines.py``): a model is only good where it beats them.

Each distinct request is generated once per model, so a robustness original that is also a
domain item costs nothing extra. Requests go to the runner in chunks sorted by answer budget
and length, which keeps batches full and lets a progress bar move.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vertune.evaluate import metrics
from vertune.evaluate.baselines import baseline_metrics, best_baseline
from vertune.evaluate.runners import AnswerLoss, Reply, Request, Runner
from vertune.evaluate.scoring import scorer_for
from vertune.evaluate.suites import ORIGINAL, EvalItem

CHUNK = 256
WORST_EXAMPLES = 3
PROMPT_EXCERPT = 400


@dataclass
class Evaluation:
    """``summary`` is what report.json holds; ``predictions`` one record per (model, item)."""

    summary: dict[str, Any]
    predictions: list[dict[str, Any]]


def request_key(request: Request) -> str:
    """Identity of a request: items with equal keys get one generation."""
    return json.dumps([request.messages, request.max_new_tokens, request.stop], ensure_ascii=False)


def _batching_order(request: Request) -> tuple[int, tuple[str, ...], int]:
    """Same budget and stops together, then by prompt size: chunks of alike requests."""
    return request.max_new_tokens, request.stop, sum(len(m["content"]) for m in request.messages)


def generate_all(runner: Runner, items: Sequence[EvalItem], advance: Callable[[int], None]) -> list[Reply]:
    """The runner's reply to every item, generating each distinct request once."""
    unique = {request_key(item.request): item.request for item in items}
    ordered = sorted(unique.values(), key=_batching_order)
    replies: dict[str, Reply] = {}
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        replies.update(zip(map(request_key, chunk), runner.generate(chunk)))
        advance(len(chunk))
    return [replies[request_key(item.request)] for item in items]


def domain_losses(runner: Runner, items: Sequence[EvalItem]) -> dict[str, AnswerLoss]:
    """Gold-answer losses of the domain items (for perplexity); empty when the runner has none."""
    domain = [item for item in items if item.suite == "domain"]
    losses = runner.answer_losses([item.request.messages for item in domain], [item.gold for item in domain])
    return {} if losses is None else {item.id: loss for item, loss in zip(domain, losses)}


def _task_metrics(items: Sequence[EvalItem], replies: Sequence[Reply],
                  losses: Mapping[str, AnswerLoss]) -> dict[str, float]:
    scorer = scorer_for(items[0].task_type)
    values = scorer.corpus([r.text for r in replies], [i.gold for i in items], items[0].labels)
    known = [losses[i.id] for i in items if i.id in losses]
    if sum(loss.tokens for loss in known):
        values["perplexity"] = metrics.perplexity([loss.nll for loss in known], [loss.tokens for loss in known])
    return values


def _deltas(by_model: Mapping[str, Mapping[str, float]], reference: str) -> dict[str, dict[str, float]]:
    base = by_model[reference]
    return {name: {metric: value - base[metric] for metric, value in values.items() if metric in base}
            for name, values in by_model.items() if name != reference}


def _worst(items: Sequence[EvalItem], replies: Mapping[str, Sequence[Reply]], scores: Mapping[str, Sequence[float]],
           model: str) -> list[dict[str, Any]]:
    order = sorted(range(len(items)), key=lambda k: (scores[model][k], items[k].id))[:WORST_EXAMPLES]
    return [{
        "id": items[k].id,
        "prompt": items[k].request.messages[-1]["content"][-PROMPT_EXCERPT:],
        "gold": items[k].gold,
        "replies": {name: replies[name][k].text for name in replies},
        "errors": {name: replies[name][k].error for name in replies if replies[name][k].error},
        "scores": {name: scores[name][k] for name in scores},
    } for k in order]


def _summarise_tasks(items: Sequence[EvalItem], replies: Mapping[str, list[Reply]], scores: Mapping[str, list[float]],
                     losses: Mapping[str, Mapping[str, AnswerLoss]], reference: str) -> dict[str, Any]:
    """Per task: metrics per model, deltas against the reference, and the worst examples."""
    by_task: dict[str, list[int]] = defaultdict(list)
    for k, item in enumerate(items):
        by_task[item.task].append(k)
    summary = {}
    for task, indices in by_task.items():
        task_items = [items[k] for k in indices]
        task_replies = {name: [replies[name][k] for k in indices] for name in replies}
        task_scores = {name: [scores[name][k] for k in indices] for name in scores}
        by_model = {name: _task_metrics(task_items, task_replies[name], losses[name]) for name in replies}
        summary[task] = {
            "type": task_items[0].task_type, "n": len(indices), "primary": scorer_for(task_items[0].task_type).primary,
            "metrics": by_model, "baselines": baseline_metrics(task_items), "delta": _deltas(by_model, reference),
            "failures": {name: sum(r.error is not None for r in task_replies[name]) for name in replies},
            "worst": _worst(task_items, task_replies, task_scores, list(replies)[-1]),
        }
    return summary


def _general(tasks: Mapping[str, Any], reference: str) -> dict[str, Any]:
    """The general suite's score per model (mean primary metric over its tasks) and retention."""
    models = list(next(iter(tasks.values()))["metrics"]) if tasks else []
    score = {name: sum(t["metrics"][name][t["primary"]] for t in tasks.values()) / len(tasks) for name in models}
    retention = {name: (value / score[reference] if score[reference] else None) for name, value in score.items()
                 if name != reference}
    return {"tasks": dict(tasks), "score": score, "retention": retention}


def _robustness(items: Sequence[EvalItem], scores: Mapping[str, list[float]], reference: str) -> dict[str, Any]:
    """Per perturbation: mean item score on the originals and on their perturbed copies, and the
    drop (original − perturbed, so positive means worse), over the same source items."""
    original = {item.source_id: k for k, item in enumerate(items) if item.variant == ORIGINAL}
    by_variant: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for k, item in enumerate(items):
        if item.variant != ORIGINAL:
            by_variant[item.variant].append((original[item.source_id], k))
    perturbations = {}
    for variant, pairs in by_variant.items():
        before = {name: sum(s[o] for o, _ in pairs) / len(pairs) for name, s in scores.items()}
        after = {name: sum(s[p] for _, p in pairs) / len(pairs) for name, s in scores.items()}
        perturbations[variant] = {"n": len(pairs), "original": before, "perturbed": after,
                                  "drop": {name: before[name] - after[name] for name in scores}}
    mean_drop = {name: (sum(p["drop"][name] for p in perturbations.values()) / len(perturbations)
                        if perturbations else 0.0) for name in scores}
    return {"originals": len(original), "perturbations": perturbations, "mean_drop": mean_drop}


def _predictions(items: Sequence[EvalItem], replies: Mapping[str, list[Reply]],
                 scores: Mapping[str, list[float]]) -> list[dict[str, Any]]:
    return [{"model": name, "suite": item.suite, "task": item.task, "id": item.id, "variant": item.variant,
             "gold": item.gold, "reply": replies[name][k].text, "error": replies[name][k].error,
             "score": scores[name][k]}
            for name in replies for k, item in enumerate(items)]


@dataclass
class ModelRun:
    """One model's raw results on a list of items: replies in item order, domain losses, time."""

    spec: str
    replies: list[Reply]
    losses: dict[str, AnswerLoss]
    seconds: float


def run_model(runner: Runner, items: Sequence[EvalItem], progress: Callable[[int], None] | None = None) -> ModelRun:
    """Put every item to one model; ``progress(n)`` is called as distinct requests complete."""
    started = time.perf_counter()
    replies = generate_all(runner, items, progress or (lambda n: None))
    losses = domain_losses(runner, items)
    return ModelRun(runner.name, replies, losses, round(time.perf_counter() - started, 3))


def evaluate_models(models: Mapping[str, Runner], items: Sequence[EvalItem],
                    progress: Callable[[int], None] | None = None) -> Evaluation:
    """Evaluate every model (label → runner, reference first) on ``items``; see the module doc."""
    return summarise({name: run_model(runner, items, progress) for name, runner in models.items()}, items)


def summarise(runs: Mapping[str, ModelRun], items: Sequence[EvalItem]) -> Evaluation:
    """Score the runs (label → run, reference first) and build the report's summary."""
    if not runs:
        raise ValueError("an evaluation needs at least one model")
    reference = next(iter(runs))
    replies = {name: run.replies for name, run in runs.items()}
    losses = {name: run.losses for name, run in runs.items()}
    scores = {name: [scorer_for(item.task_type).item(reply.text, item.gold, item.labels)
                     for item, reply in zip(items, model_replies)]
              for name, model_replies in replies.items()}

    def part(suite: str) -> tuple[list[EvalItem], dict[str, list[Reply]], dict[str, list[float]]]:
        keep = [k for k, item in enumerate(items) if item.suite == suite]
        return ([items[k] for k in keep], {n: [r[k] for k in keep] for n, r in replies.items()},
                {n: [s[k] for k in keep] for n, s in scores.items()})

    summary: dict[str, Any] = {
        "models": {name: {"spec": run.spec, "seconds": run.seconds,
                          "failures": sum(r.error is not None for r in run.replies)} for name, run in runs.items()},
        "reference": reference,
        "items": len(items),
    }
    domain_items, domain_replies, domain_scores = part("domain")
    if domain_items:
        summary["domain"] = _summarise_tasks(domain_items, domain_replies, domain_scores, losses, reference)
    general_items, general_replies, general_scores = part("general")
    if general_items:
        no_losses = {name: {} for name in runs}
        summary["general"] = _general(_summarise_tasks(general_items, general_replies, general_scores, no_losses,
                                                       reference), reference)
    robust_items, _, robust_scores = part("robustness")
    if robust_items:
        summary["robustness"] = _robustness(robust_items, robust_scores, reference)
    summary["headline"] = headline(summary)
    return Evaluation(summary, _predictions(items, replies, scores))


def _rounded(pair: tuple[str, float]) -> tuple[str, float]:
    return pair[0], round(pair[1], 4)


def headline(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The figures worth a glance (the stage manifest's stats): primary metric per task and
    model, general score and retention, mean robustness drop, failed requests."""
    figures: dict[str, Any] = {
        "domain": {task: {"metric": t["primary"],
                          **{name: round(values[t["primary"]], 4) for name, values in t["metrics"].items()},
                          "best_trivial": dict(zip(("name", "value"), _rounded(best_baseline(t))))}
                   for task, t in summary.get("domain", {}).items()},
        "failures": {name: model["failures"] for name, model in summary["models"].items()},
    }
    if "general" in summary:
        figures["general_score"] = {name: round(v, 4) for name, v in summary["general"]["score"].items()}
        figures["general_retention"] = summary["general"]["retention"]
    if "robustness" in summary:
        figures["robustness_mean_drop"] = {name: round(v, 4) for name, v in summary["robustness"]["mean_drop"].items()}
    return figures
