"""The annotate stage: ``preprocess/documents.jsonl`` → pre-labels, labels, agreement, gold.

Writes into the stage folder:

* ``prelabels.jsonl``: every pre-label (labeller in ``annotator`` and ``meta["source"]``);
* ``annotations.jsonl``: every annotator's labels (simulated or imported);
* ``gold.jsonl``: one record per item that has gold (``meta["resolution"]`` says how);
* ``agreement.json`` and ``agreement.md``: agreement per task and label;
* ``gold_quality.json`` (also a section of ``agreement.md``): for documents that carry a
  generator's ground truth (``meta["truth"]``), precision and recall of the gold entities,
  relations and report fields against it, per task and label (see ``gold_quality.py``);
* ``arbitration/<task>.json``: the disputed items as Label Studio tasks, both versions shown;
* ``label_studio/<task>/config.xml``, ``tasks.json``, ``guideline.md``: a labelling project
  per task, pre-labels as predictions.

With real annotators (``simulate.enabled: false``), put Label Studio JSON exports in
``WORKSPACE/annotate_inbox/``: ``<task>.json`` (annotators' labels) and
``<task>.arbitration.json`` (arbiters' decisions on ``arbitration/<task>.json``), then re-run
the stage with ``--force``. Items nobody labelled yet get a pre-label with confidence ≥ ``pre_label_threshold`` (0.8) as a
gold candidate (status "pre-labelled"), or are rejected as "awaiting annotation"; items an
annotator skipped are rejected as skipped, never gold from their pre-label. A malformed task
or annotation in an export is rejected alone (file, task id, annotation id, field) and the rest
imports; an export that is not JSON stops the stage with an error naming the file, and the
outputs of the previous run stay published, untouched.

Counts: in = (task, document) items plus unreadable input lines and export items; out = gold items; rejected =
items without gold, each with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vertune.annotate.agreement import render_markdown
from vertune.annotate.flow import STAGE, TaskResult, annotate_documents
from vertune.annotate.gold_quality import gold_quality, render_gold_quality
from vertune.annotate.label_studio import Skip, label_config, read_export
from vertune.annotate.prelabel.model import ModelLabeller
from vertune.annotate.tasks import TaskSpec, guideline_with_labels, resolve_tasks
from vertune.atomic import atomic_write_json, atomic_write_text
from vertune.pipeline import StageContext
from vertune.records import Annotation, Document, Rejection, read_jsonl, write_jsonl

INBOX = "annotate_inbox"


@dataclass
class Inbox:
    """What the Label Studio exports present hold."""

    labels: list[Annotation] = field(default_factory=list)
    decisions: list[Annotation] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)  # unreadable tasks and annotations


def read_inbox(inbox: Path, specs: list[TaskSpec]) -> Inbox:
    """Annotators' labels and skips, arbiters' decisions, and the unreadable items of the exports present."""
    found = Inbox()
    for spec in specs:
        if (path := inbox / f"{spec.name}.json").is_file():
            labels = read_export(path, spec)
            found.labels += labels.annotations
            found.skips += labels.skips
            found.rejections += labels.rejections
        if (path := inbox / f"{spec.name}.arbitration.json").is_file():
            decisions = read_export(path, spec)  # an arbiter's skip leaves the dispute waiting
            found.decisions += [d.model_copy(update={"status": "arbitrated"}) for d in decisions.annotations]
            found.rejections += decisions.rejections
    return found


def write_task_files(out: Path, task: TaskResult) -> None:
    """The Label Studio project of a task, and its arbitration queue when it has disputes."""
    folder = out / "label_studio" / task.spec.name
    atomic_write_text(folder / "config.xml", label_config(task.spec))
    atomic_write_text(folder / "guideline.md", guideline_with_labels(task.spec))
    atomic_write_json(folder / "tasks.json", task.labelling_tasks)
    if task.arbitration_tasks:
        atomic_write_json(out / "arbitration" / f"{task.spec.name}.json", task.arbitration_tasks)


def annotate_stage(ctx: StageContext) -> None:
    config = ctx.config.annotation

    def unreadable(rejection: Rejection) -> None:
        ctx.counts["in"] += 1
        ctx.reject(rejection)

    docs = list(read_jsonl(ctx.artifact("preprocess", "documents.jsonl"), Document, on_reject=unreadable, stage=STAGE))
    inbox = Inbox()
    if not config.simulate.enabled:
        inbox = read_inbox(ctx.workspace.root / INBOX, resolve_tasks(config, docs, ctx.config.base_dir))
    for rejection in inbox.rejections:
        unreadable(rejection)
    model = ModelLabeller(config.pre_label_model) if config.pre_label_model else None
    with ctx.progress(len(config.tasks), "annotating") as advance:
        result = annotate_documents(docs, config, base_dir=ctx.config.base_dir, imported=inbox.labels,
                                    decisions=inbox.decisions, skips=inbox.skips, model=model,
                                    threshold=config.pre_label_threshold, on_task_done=lambda _: advance(1))
    write_jsonl(ctx.out / "prelabels.jsonl", result.prelabels)
    write_jsonl(ctx.out / "annotations.jsonl", result.annotations)
    write_jsonl(ctx.out / "gold.jsonl", result.gold)
    quality = gold_quality([task.spec for task in result.tasks], docs, result.gold)
    atomic_write_json(ctx.out / "agreement.json", result.agreement)
    atomic_write_json(ctx.out / "gold_quality.json", quality)
    atomic_write_text(ctx.out / "agreement.md", render_markdown(result.agreement) + render_gold_quality(quality))
    for task in result.tasks:
        write_task_files(ctx.out, task)
        ctx.counts["in"] += task.items
        ctx.stats[task.spec.name] = task.stats()
        if task.spec.name in quality:
            ctx.stats[task.spec.name]["gold_quality"] = {k: quality[task.spec.name][k] for k in ("precision", "recall", "f1")}
    for rejection in result.rejections:
        ctx.reject(rejection)
    ctx.counts["out"] += len(result.gold)
