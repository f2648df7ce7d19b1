"""The eval stage and ``vertune eval --compare``: the glue between workspace, runners and report.

The stage reads prepare's ``test.jsonl`` and ``tasks.json`` and the train stage's output, and
evaluates the base model (``config.model.base``, when ``evaluation.compare_base``) against the
tuned one on ``evaluation.suites``. The tuned model is, in this order: ``evaluation.endpoint``
when set (e.g. vLLM serving the adapter), else ``train/adapter`` on the base, else the full
fine-tune ``train/model``, else ``train/merged``. It writes ``report.json``, ``report.html``,
``predictions.jsonl`` and an lm-eval export (``lm_eval/``); the manifest's stats are the
report's headline figures. Models are loaded one at a time, so two never share the memory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from vertune.config import Config
from vertune.evaluate.evaluation import Evaluation, request_key, run_model, summarise
from vertune.evaluate.lm_eval_export import export_lm_eval
from vertune.evaluate.report import write_report
from vertune.evaluate.runners import ADAPTER_PREFIX, load_runner
from vertune.evaluate.suites import EvalItem, build_suites
from vertune.pipeline import StageContext
from vertune.prepare.augment import Synonyms, load_synonyms
from vertune.records import Rejection, Sample, read_jsonl
from vertune.train.outputs import ADAPTER, FULL_MODEL, MERGED
from vertune.workspace import Workspace

TEST, TASKS = "test.jsonl", "tasks.json"
LM_EVAL = "lm_eval"
# The train stage's output folders, in the order they are preferred (see the module doc).
TRAINED = ((ADAPTER, ADAPTER_PREFIX), (FULL_MODEL, ""), (MERGED, ""))
Progress = Callable[[int], None]


def tuned_spec(config: Config, workspace: Workspace) -> str:
    """The model spec of the tuned model (see the module doc)."""
    return config.evaluation.endpoint or trained_spec(workspace)


def trained_spec(workspace: Workspace) -> str:
    """The spec of the train stage's model: its adapter on the base, else its full or merged model."""
    train = workspace.stage_dir("train")
    for folder, prefix in TRAINED:
        if (train / folder).is_dir():
            return prefix + str(train / folder)
    raise FileNotFoundError(f"no trained model in {train} (looked for {', '.join(f for f, _ in TRAINED)}/); "
                            "run the train stage first or set evaluation.endpoint")


def read_test_split(workspace: Workspace, on_reject: Callable[[Rejection], None] | None = None,
                    ) -> tuple[list[Sample], dict[str, dict]]:
    """prepare's test samples and task specs; empty when prepare has not run."""
    if workspace.manifest("prepare") is None:
        return [], {}
    test, tasks = workspace.artifact("prepare", TEST), workspace.artifact("prepare", TASKS)
    samples = list(read_jsonl(test, Sample, on_reject=on_reject, stage="eval")) if test.exists() else []
    specs = json.loads(tasks.read_text(encoding="utf-8")) if tasks.exists() else {}
    return samples, specs


def evaluate_specs(specs: Mapping[str, str], items: Sequence[EvalItem], config: Config,
                   progress: Progress | None = None) -> Evaluation:
    """Evaluate models given by spec (label → spec, reference first), loading one at a time."""
    runs = {}
    for label, spec in specs.items():
        runs[label] = run_model(load_runner(spec, config), items, progress)  # the runner is freed after its run
    return summarise(runs, items)


def _distinct_requests(items: Sequence[EvalItem]) -> int:
    return len({request_key(item.request) for item in items})


def project_synonyms(config: Config) -> Synonyms | None:
    """The project's synonym list (``prepare.augment.synonyms_file``) for the robustness suite."""
    path = config.prepare.augment.synonyms_file
    return load_synonyms(config.resolve(path)) if path else None


def eval_stage(ctx: StageContext) -> None:
    """Base vs tuned on the configured suites; report and headline stats (see the module doc)."""
    config, settings = ctx.config, ctx.config.evaluation

    def unreadable(rejection: Rejection) -> None:
        ctx.counts["in"] += 1
        ctx.reject(rejection)

    samples, tasks = read_test_split(ctx.workspace, unreadable)
    ctx.counts["in"] += len(samples)
    items = build_suites(settings.suites, samples, tasks, settings.max_new_tokens, settings.max_items_per_task,
                         project_synonyms(config))
    specs = {"base": config.model.base} if settings.compare_base else {}
    specs["tuned"] = tuned_spec(config, ctx.workspace)
    with ctx.progress(len(specs) * _distinct_requests(items), "evaluating") as advance:
        evaluation = evaluate_specs(specs, items, config, advance)
    write_report(evaluation, ctx.out, title=f"{config.project}: evaluation")
    export_lm_eval(items, ctx.out / LM_EVAL, final_folder=ctx.workspace.stage_dir("eval") / LM_EVAL)
    ctx.counts["out"] += len({item.id for item in items if item.suite == "domain"})
    ctx.stats.update(evaluation.summary["headline"])
    ctx.stats["items"] = {suite: sum(item.suite == suite for item in items) for suite in settings.suites}


def _slug(spec: str) -> str:
    return re.sub(r"[^0-9A-Za-z._-]+", "_", spec.rstrip("/").split("/")[-1] or spec)[:40]


def compare(a: str, b: str, config: Config, out_dir: Path, progress: Progress | None = None) -> Path:
    """Evaluate model ``a`` (the reference) against ``b`` on the configured suites; returns the
    report page. Uses the workspace's test split when prepare has run, else only the general suite."""
    samples, tasks = read_test_split(Workspace(config.workspace_dir))
    settings = config.evaluation
    suites = settings.suites if samples else [s for s in settings.suites if s == "general"]
    items = build_suites(suites, samples, tasks, settings.max_new_tokens, settings.max_items_per_task,
                         project_synonyms(config))
    evaluation = evaluate_specs({"a": a, "b": b}, items, config, progress)
    return write_report(evaluation, out_dir, title=f"{a} vs {b}")


def compare_cli(a: str, b: str, config: Config) -> Path:
    """``vertune eval --compare A B``: the report goes to ``WORKSPACE/compare/<a>__vs__<b>/``."""
    out_dir = config.workspace_dir / "compare" / f"{_slug(a)}__vs__{_slug(b)}"
    return compare(a, b, config, out_dir)
