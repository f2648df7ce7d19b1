"""The annotation flow as a library function: documents + config → pre-labels, labels, gold.

Per task: select its documents, pre-label them, get every item's annotator labels (simulated
from the reference answer, or imported from Label Studio), measure agreement, send disputes
to arbitration and keep gold. Without simulation and without imported labels for an item, a
pre-label with confidence ≥ ``threshold`` stands in as a "pre-labelled" gold candidate, unless
an annotator skipped the item in Label Studio: then it is rejected as skipped, naming who.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vertune.annotate.agreement import summary, task_agreement
from vertune.annotate.arbitration import (
    NO_REFERENCE,
    SKIPPED,
    Outcome,
    arbitration_tasks,
    from_prelabel,
    resolve,
)
from vertune.annotate.assign import assign
from vertune.annotate.label_studio import Skip, labelling_tasks
from vertune.annotate.prelabel.labellers import (
    BatchLabeller,
    best_prelabel,
    prelabel_documents,
)
from vertune.annotate.simulate import (
    error_rate_of,
    simulate_annotation,
    simulated_decision,
)
from vertune.annotate.tasks import TaskSpec, resolve_tasks
from vertune.config import AnnotationConfig
from vertune.records import Annotation, Document, Rejection

STAGE = "annotate"
PRELABEL_THRESHOLD = 0.8


@dataclass
class TaskResult:
    """Everything one task produced; ``items`` = gold + rejections."""

    spec: TaskSpec
    items: int
    prelabels: list[Annotation]
    annotations: list[Annotation]
    gold: list[Annotation]
    rejections: list[Rejection]
    agreement: dict[str, Any]
    labelling_tasks: list[dict[str, Any]]
    arbitration_tasks: list[dict[str, Any]]
    unmatched_imports: int = 0  # imported labels of documents this run does not have
    skipped: int = 0  # imported skips of this run's documents

    def stats(self) -> dict[str, Any]:
        by_resolution: dict[str, int] = defaultdict(int)
        for gold in self.gold:
            by_resolution[gold.meta["resolution"]] += 1
        return {"tier": self.spec.tier, "type": self.spec.type, "items": self.items, "prelabels": len(self.prelabels),
                "annotations": len(self.annotations), "gold": len(self.gold), **dict(sorted(by_resolution.items())),
                "disputes": len(self.arbitration_tasks), "rejected": len(self.rejections),
                "unmatched_imports": self.unmatched_imports, "skipped": self.skipped, "agreement": summary(self.agreement)}


@dataclass
class AnnotateResult:
    tasks: list[TaskResult] = field(default_factory=list)

    @property
    def prelabels(self) -> list[Annotation]:
        return [a for t in self.tasks for a in t.prelabels]

    @property
    def annotations(self) -> list[Annotation]:
        return [a for t in self.tasks for a in t.annotations]

    @property
    def gold(self) -> list[Annotation]:
        return [a for t in self.tasks for a in t.gold]

    @property
    def rejections(self) -> list[Rejection]:
        return [r for t in self.tasks for r in t.rejections]

    @property
    def agreement(self) -> dict[str, dict[str, Any]]:
        return {t.spec.name: t.agreement for t in self.tasks}


LINEAGE = ("source_name", "parent_id")  # document meta that prepare splits by: keep it on gold


def with_lineage(gold: Annotation, doc: Document) -> Annotation:
    """``gold`` with its document's source and parent: prepare stratifies splits by source and
    keeps every piece of one parent document in one split, so a gold record must say both."""
    lineage = {key: doc.meta[key] for key in LINEAGE if doc.meta.get(key) is not None}
    return gold.model_copy(update={"meta": {**gold.meta, **lineage}}) if lineage else gold


def _by_doc(annotations: Sequence[Annotation]) -> dict[str, list[Annotation]]:
    grouped: dict[str, list[Annotation]] = defaultdict(list)
    for annotation in annotations:
        grouped[annotation.doc_id].append(annotation)
    return grouped


def _simulated(
    spec: TaskSpec,
    docs: Sequence[Document],
    prelabels_of: dict[str, list[Annotation]],
    assigned: dict[str, list[str]],
    config: AnnotationConfig,
) -> tuple[dict[str, list[Annotation]], dict[str, Annotation]]:
    """Each item's simulated annotations and arbiter decision, derived from its reference answer."""
    simulation = config.simulate
    labelled: dict[str, list[Annotation]] = {}
    decided: dict[str, Annotation] = {}
    for doc in docs:
        reference = best_prelabel(spec, prelabels_of.get(doc.id, []))
        if reference is None:
            continue
        labelled[doc.id] = [
            simulate_annotation(spec, reference, name, error_rate_of(name, config.annotators, simulation.error_rates),
                                simulation.seed)
            for name in assigned[doc.id]
        ]
        decided[doc.id] = simulated_decision(spec, reference)
    return labelled, decided


def _outcome(spec: TaskSpec, labels: list[Annotation], decision: Annotation | None, prelabels: list[Annotation],
             config: AnnotationConfig, threshold: float, skips: Sequence[Skip] = ()) -> Outcome:
    if labels:
        return resolve(spec, labels, config.per_item, decision)
    if skips:
        who = ", ".join(f"{s.annotator} (task {s.task_id})" for s in skips)
        return Outcome(reason=SKIPPED, detail=f"skipped by {who}; its pre-label is not used as gold")
    if config.simulate.enabled:
        return Outcome(reason=NO_REFERENCE, detail="no known answer and no non-empty pre-label")
    return from_prelabel(spec, best_prelabel(spec, prelabels, threshold), threshold)


def annotate_task(
    spec: TaskSpec,
    docs: Sequence[Document],
    config: AnnotationConfig,
    imported: Sequence[Annotation] = (),
    decisions: Sequence[Annotation] = (),
    model: BatchLabeller | None = None,
    threshold: float = PRELABEL_THRESHOLD,
    skips: Sequence[Skip] = (),
) -> TaskResult:
    """Run one task over its (already selected) documents; simulation ignores ``imported`` and ``skips``."""
    prelabels = prelabel_documents(spec, docs, model) if config.pre_label else []
    prelabels_of = _by_doc(prelabels)
    assigned = {doc.id: assign(spec.name, doc.id, config.annotators, config.per_item) for doc in docs}
    skipped: dict[str, list[Skip]] = defaultdict(list)
    if config.simulate.enabled:
        labelled, decided = _simulated(spec, docs, prelabels_of, assigned, config)
    else:
        labelled, decided = _by_doc(imported), {d.doc_id: d for d in decisions}
        for skip in skips:
            skipped[skip.doc_id].append(skip)
    annotations: list[Annotation] = []
    gold: list[Annotation] = []
    rejections: list[Rejection] = []
    disputes: list[list[Annotation]] = []
    for doc in docs:
        labels = labelled.get(doc.id, [])
        annotations += labels
        outcome = _outcome(spec, labels, decided.get(doc.id), prelabels_of.get(doc.id, []), config, threshold,
                           skipped.get(doc.id, []))
        if outcome.dispute:
            disputes.append(outcome.dispute)
        if outcome.gold is not None:
            gold.append(with_lineage(outcome.gold, doc))
        else:
            rejections.append(Rejection(stage=STAGE, item=f"{spec.name}:{doc.id}", reason=outcome.reason, detail=outcome.detail))
    return TaskResult(
        spec=spec, items=len(docs), prelabels=prelabels, annotations=annotations, gold=gold, rejections=rejections,
        agreement=task_agreement(spec, annotations),
        labelling_tasks=labelling_tasks(spec, docs, prelabels, assigned),
        arbitration_tasks=arbitration_tasks(spec, disputes),
        unmatched_imports=len({a.doc_id for a in imported} - {doc.id for doc in docs}),
        skipped=sum(len(skipped.get(doc.id, [])) for doc in docs),
    )


def annotate_documents(
    docs: Sequence[Document],
    config: AnnotationConfig,
    *,
    base_dir: Path | None = None,
    imported: Sequence[Annotation] = (),
    decisions: Sequence[Annotation] = (),
    model: BatchLabeller | None = None,
    threshold: float = PRELABEL_THRESHOLD,
    on_task_done: Callable[[TaskResult], None] | None = None,
    skips: Sequence[Skip] = (),
) -> AnnotateResult:
    """Annotate ``docs`` for every configured task.

    ``imported`` are annotators' labels, ``decisions`` arbiters' decisions and ``skips`` the
    items annotators skipped (e.g. read from Label Studio exports), of any task; ``base_dir`` resolves relative guideline paths;
    ``model`` is an optional batch pre-labeller (``ModelLabeller``); ``on_task_done`` is
    called after each task (progress bars).
    """
    result = AnnotateResult()
    for spec in resolve_tasks(config, docs, base_dir):
        done = annotate_task(
            spec, [doc for doc in docs if spec.selects(doc)], config,
            imported=[a for a in imported if a.task == spec.name],
            decisions=[d for d in decisions if d.task == spec.name],
            model=model, threshold=threshold, skips=[s for s in skips if s.task == spec.name],
        )
        result.tasks.append(done)
        if on_task_done is not None:
            on_task_done(done)
    return result
