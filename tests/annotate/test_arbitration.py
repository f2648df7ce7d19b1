"""From annotations to gold: agreed, arbitrated, single, pre-labelled, or a reason why not."""

from __future__ import annotations

from vertune.annotate.arbitration import (
    AWAITING_ANNOTATION,
    AWAITING_ARBITRATION,
    INCOMPLETE,
    NO_LABEL,
    arbitration_tasks,
    from_prelabel,
    resolve,
)
from vertune.annotate.tasks import TaskSpec
from vertune.records import Annotation

SPEC = TaskSpec(name="sentiment", tier=2, type="sentiment", labels=("positive", "neutral", "negative"), guideline="# g")


def label(annotator: str, sentiment: str | None, **extra: object) -> Annotation:
    return Annotation(doc_id="d1", text="业绩超预期", annotator=annotator, tier=2, task="sentiment", sentiment=sentiment, **extra)


def test_agreement_makes_gold_with_provenance() -> None:
    outcome = resolve(SPEC, [label("b", "positive"), label("a", "positive")], per_item=2)
    gold = outcome.gold
    assert gold is not None and gold.status == "gold" and gold.sentiment == "positive" and gold.annotator == "gold"
    assert gold.meta == {"resolution": "agreed", "annotators": ["a", "b"]} and not outcome.dispute


def test_dispute_waits_for_an_arbiter_then_takes_the_decision() -> None:
    versions = [label("a", "positive"), label("b", "neutral")]
    waiting = resolve(SPEC, versions, per_item=2)
    assert waiting.gold is None and waiting.reason == AWAITING_ARBITRATION and len(waiting.dispute) == 2
    decided = resolve(SPEC, versions, per_item=2, decision=label("chief", "neutral", status="arbitrated"))
    assert decided.gold.sentiment == "neutral"
    assert decided.gold.meta == {"resolution": "arbitrated", "annotators": ["a", "b"], "arbiter": "chief"}
    assert len(decided.dispute) == 2  # still shown in the arbitration queue


def test_single_and_incomplete() -> None:
    assert resolve(SPEC, [label("a", "negative")], per_item=1).gold.meta["resolution"] == "single"
    incomplete = resolve(SPEC, [label("a", "negative")], per_item=2)
    assert incomplete.gold is None and incomplete.reason == INCOMPLETE and "1 of 2" in incomplete.detail


def test_an_empty_answer_is_no_gold() -> None:
    outcome = resolve(SPEC, [label("a", None), label("b", None)], per_item=2)
    assert outcome.gold is None and outcome.reason == NO_LABEL


def test_confident_prelabel_is_a_prelabelled_candidate() -> None:
    candidate = label("rules:sentiment_lexicon", "positive", confidence=0.85, meta={"source": "rules:sentiment_lexicon"})
    gold = from_prelabel(SPEC, candidate, 0.8).gold
    assert gold.status == "pre-labelled" and gold.confidence == 0.85
    assert gold.meta == {"resolution": "pre-labelled", "annotators": [], "source": "rules:sentiment_lexicon"}
    assert from_prelabel(SPEC, None, 0.8).reason == AWAITING_ANNOTATION


def test_arbitration_queue_shows_both_versions() -> None:
    (task,) = arbitration_tasks(SPEC, [[label("a", "positive"), label("b", "neutral")]])
    assert task["data"]["doc_id"] == "d1" and task["data"]["annotators"] == "a, b"
    assert [(p["model_version"], p["result"][0]["value"]["choices"]) for p in task["predictions"]] == [
        ("a", ["positive"]), ("b", ["neutral"])]
