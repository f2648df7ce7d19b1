"""The whole flow on ~50 documents: simulated double-blind labelling, and real-annotator mode."""

from __future__ import annotations

import pytest
from annotation_samples import EXAMPLE_TASKS, FINANCE_LEXICON_FILE, example_task

from vertune.annotate.agreement import summary
from vertune.annotate.flow import annotate_documents
from vertune.annotate.label_studio import parse_export, to_results
from vertune.config import AnnotationConfig
from vertune.records import Annotation, Document


def test_simulated_flow_gives_gold_for_every_tier_with_imperfect_agreement(
        finance_docs: list[Document], finance_config: AnnotationConfig) -> None:
    result = annotate_documents(finance_docs, finance_config)
    assert {g.tier for g in result.gold} == {1, 2, 3}
    for task in result.tasks:
        assert task.gold, task.spec.name
        assert task.items == len(task.gold) + len(task.rejections)
        assert sum(a.meta["errors"] for a in task.annotations) > 0, task.spec.name
        assert task.agreement["disagreed"] > 0 and len(task.arbitration_tasks) == task.agreement["disagreed"]
        assert all(value < 1.0 for value in summary(task.agreement).values()), task.spec.name
        for gold in task.gold:
            assert gold.status == "gold" and gold.meta["resolution"] in ("agreed", "arbitrated")
            assert len(gold.meta["annotators"]) == 2
            assert gold.meta.get("arbiter") in (None, "simulated_arbiter")
    assert {r.reason for r in result.rejections} == {"no reference to simulate from"}


def test_simulated_flow_is_deterministic(finance_docs: list[Document], finance_config: AnnotationConfig) -> None:
    first, second = annotate_documents(finance_docs, finance_config), annotate_documents(finance_docs, finance_config)
    assert [g.model_dump() for g in first.gold] == [g.model_dump() for g in second.gold]
    assert first.agreement == second.agreement


def test_perfect_annotators_agree_everywhere(finance_docs: list[Document], finance_config: AnnotationConfig) -> None:
    config = finance_config.model_copy(update={"simulate": finance_config.simulate.model_copy(update={"error_rates": [0.0]})})
    result = annotate_documents(finance_docs, config)
    assert all(t.agreement["disagreed"] == 0 and not t.arbitration_tasks for t in result.tasks)
    assert result.agreement["intent"]["kappa"] == 1.0


def test_without_labels_confident_prelabels_become_candidates(finance_docs: list[Document]) -> None:
    config = AnnotationConfig(lexicon=FINANCE_LEXICON_FILE, tasks=EXAMPLE_TASKS)  # real annotators, nothing labelled yet
    result = annotate_documents(finance_docs, config)
    assert result.gold and not result.annotations
    assert all(g.status == "pre-labelled" and g.confidence >= 0.8 for g in result.gold)
    by_task = {t.spec.name: t for t in result.tasks}
    assert len(by_task["fraud"].gold) == by_task["fraud"].items  # known answers: confidence 1.0
    assert {r.reason for r in by_task["summary"].rejections} == {"awaiting annotation"}  # drafts are 0.5
    assert all(len(t.labelling_tasks) == t.items for t in result.tasks)


def label_studio_export(spec_name: str, docs: list[Document], choices: dict[str, list[tuple[str, str]]]) -> list[dict]:
    """An export where each document got the listed (annotator, sentiment) labels."""
    spec = example_task(spec_name, docs)
    tasks = []
    for number, doc in enumerate(docs, start=1):
        annotations = []
        for who, value in choices.get(doc.id, []):
            label = Annotation(doc_id=doc.id, text=doc.text, annotator=who, tier=2, task=spec.name, sentiment=value)
            annotations.append({"id": len(annotations) + 1, "completed_by": {"id": 1, "email": who},
                                "result": to_results(label, spec)})
        tasks.append({"id": number, "data": {"text": doc.text, "doc_id": doc.id}, "annotations": annotations})
    return tasks


def test_imported_labels_and_arbitration_decisions(finance_docs: list[Document]) -> None:
    config = AnnotationConfig(lexicon=FINANCE_LEXICON_FILE, tasks=[t for t in EXAMPLE_TASKS if t.name == "sentiment"])
    spec = example_task("sentiment", finance_docs)
    docs = [d for d in finance_docs if spec.selects(d)]
    agreed, disputed, half, untouched = docs[0], docs[1], docs[2], docs[3]
    labels = parse_export(label_studio_export("sentiment", docs, {
        agreed.id: [("a@x", "positive"), ("b@x", "positive")],
        disputed.id: [("a@x", "positive"), ("b@x", "negative")],
        half.id: [("a@x", "neutral")],
    }), spec).annotations
    decisions = parse_export(label_studio_export("sentiment", docs, {disputed.id: [("chief@x", "negative")]}), spec).annotations

    before = annotate_documents(docs, config, imported=labels)
    (task,) = before.tasks
    assert [g.doc_id for g in task.gold if g.status == "gold"] == [agreed.id]
    reasons = {r.item.split(":")[1]: r.reason for r in task.rejections}
    assert reasons[disputed.id] == "awaiting arbitration" and reasons[half.id] == "incomplete annotation"
    assert task.arbitration_tasks[0]["data"]["doc_id"] == disputed.id

    after = annotate_documents(docs, config, imported=labels, decisions=decisions)
    gold = {g.doc_id: g for g in after.gold}
    assert gold[disputed.id].sentiment == "negative" and gold[disputed.id].meta["arbiter"] == "chief@x"
    assert gold[agreed.id].meta == {"resolution": "agreed", "annotators": ["a@x", "b@x"], "source_name": "service"}
    assert untouched.id not in gold or gold[untouched.id].status == "pre-labelled"


def test_a_skipped_item_is_recorded_and_its_prelabel_never_becomes_gold(finance_docs: list[Document]) -> None:
    config = AnnotationConfig(lexicon=FINANCE_LEXICON_FILE, tasks=[t for t in EXAMPLE_TASKS if t.name == "intent"], per_item=1)
    spec = example_task("intent", finance_docs)
    docs = [d for d in finance_docs if spec.selects(d)]
    skipped, labelled = docs[0], docs[1]
    export = label_studio_export("intent", docs, {})
    export[0]["annotations"] = [{"id": 1, "completed_by": 4, "was_cancelled": True, "result": []}]
    export[1]["annotations"] = [{"id": 2, "completed_by": 5, "skipped": True, "result": []}, {
        "id": 3, "completed_by": 6, "result": [{"id": "choice", "from_name": "choice", "to_name": "text",
                                                "type": "choices", "value": {"choices": [spec.labels[0]]}}]}]
    imported = parse_export(export, spec)
    assert len(imported.skips) == 2

    without_skips = annotate_documents(docs, config, imported=imported.annotations)
    assert skipped.id in {g.doc_id for g in without_skips.gold}  # the confident known-intent pre-label stands in
    result = annotate_documents(docs, config, imported=imported.annotations, skips=imported.skips)
    (task,) = result.tasks
    gold = {g.doc_id: g for g in task.gold}
    assert skipped.id not in gold
    (rejection,) = [r for r in task.rejections if r.item == f"intent:{skipped.id}"]
    assert rejection.reason == "skipped in Label Studio" and "user_4" in rejection.detail and "task 1" in rejection.detail
    assert gold[labelled.id].meta["resolution"] == "single"  # one skipped, the other labelled: the label counts
    assert task.stats()["skipped"] == 2
    others = [d.id for d in docs[2:]]
    assert all(gold[d].status == "pre-labelled" for d in others if d in gold)


@pytest.mark.parametrize("per_item", [1, 2])
def test_per_item_annotators_are_used(finance_docs: list[Document], finance_config: AnnotationConfig, per_item: int) -> None:
    config = finance_config.model_copy(update={"per_item": per_item, "annotators": ["a", "b", "c"]})
    result = annotate_documents(finance_docs, config)
    intent = next(t for t in result.tasks if t.spec.name == "intent")
    assert len(intent.annotations) == per_item * intent.items
    assert {g.meta["resolution"] for g in intent.gold} <= ({"single"} if per_item == 1 else {"agreed", "arbitrated"})


def test_gold_carries_its_documents_source_and_parent(finance_docs: list[Document],
                                                      finance_config: AnnotationConfig) -> None:
    """prepare stratifies by source and keeps a parent's pieces together: gold must say both."""
    docs = [doc.model_copy(update={"meta": {**doc.meta, "parent_id": f"parent-{k % 3}"}})
            for k, doc in enumerate(finance_docs)]
    by_id = {doc.id: doc for doc in docs}
    gold = annotate_documents(docs, finance_config).gold
    assert gold
    for record in gold:
        doc = by_id[record.doc_id]
        assert record.meta["source_name"] == doc.meta["source_name"]
        assert record.meta["parent_id"] == doc.meta["parent_id"]
