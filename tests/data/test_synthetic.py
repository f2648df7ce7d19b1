"""The synthetic generators: seeded, labelled as asked, and each fraud pattern keeps its signature."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

import pytest

from vertune.data.ingest import synthetic_items
from vertune.data.sources.annual_report import find_sections
from vertune.data.synthetic import (
    GENERATORS,
    describe_trade,
    generate_annual_reports,
    generate_dialogues,
    generate_news_articles,
    generate_trades,
)
from vertune.data.synthetic.dialogues import INTENTS, SENTIMENTS
from vertune.data.synthetic.trades import (
    FRAUD_PATTERNS,
    STRUCTURING_FLOOR,
    STRUCTURING_THRESHOLD,
    TINY_AMOUNT_MAX,
)
from vertune.data.synthetic.truth import TRUTH_KEY
from vertune.records import Document


@pytest.fixture(scope="module")
def trades() -> list[dict[str, Any]]:
    return generate_trades(4000, seed=11, fraud_rate=0.08)


def complete_cases(trades: list[dict[str, Any]], pattern: str) -> list[list[dict[str, Any]]]:
    """Trades of each fraud case of ``pattern``, minus the last case made (it may be cut short)."""
    cases: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for trade in trades:
        if trade["fraud_pattern"] == pattern:
            cases[trade["case_id"]].append(trade)
    last = max(t["case_id"] for t in trades if t["case_id"])
    return [case for case_id, case in sorted(cases.items()) if case_id != last]


def when(trade: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(trade["timestamp"])


def test_registry_names_both_generators() -> None:
    assert GENERATORS["trades"] is generate_trades
    assert GENERATORS["dialogues"] is generate_dialogues


def test_trades_are_deterministic_for_a_seed() -> None:
    assert generate_trades(300, seed=5) == generate_trades(300, seed=5)
    assert generate_trades(300, seed=5) != generate_trades(300, seed=6)


@pytest.mark.parametrize("rate", [0.0, 0.05, 0.2])
def test_fraud_rate_is_the_requested_one(rate: float) -> None:
    batch = generate_trades(2000, seed=3, fraud_rate=rate)
    assert len(batch) == 2000
    assert sum(t["is_fraud"] for t in batch) / len(batch) == pytest.approx(rate, abs=0.002)


def test_trades_are_well_formed(trades: list[dict[str, Any]]) -> None:
    assert [t["timestamp"] for t in trades] == sorted(t["timestamp"] for t in trades)
    assert len({t["trade_id"] for t in trades}) == len(trades)
    assert all(t["amount"] > 0 and t["balance_before"] >= 0 and t["currency"] == "CNY" for t in trades)
    assert all((t["fraud_pattern"] is None) == (t["is_fraud"] == 0) for t in trades)


def test_every_fraud_pattern_appears_in_similar_shares(trades: list[dict[str, Any]]) -> None:
    counts = Counter(t["fraud_pattern"] for t in trades if t["is_fraud"])
    assert set(counts) == set(FRAUD_PATTERNS)
    assert max(counts.values()) - min(counts.values()) <= 12


def test_card_testing_is_a_burst_of_tiny_payments_from_a_new_device(trades: list[dict[str, Any]]) -> None:
    for case in complete_cases(trades, "card_testing"):
        assert len(case) >= 6
        assert when(case[-1]) - when(case[0]) <= timedelta(minutes=20)
        assert all(t["amount"] < TINY_AMOUNT_MAX and t["context"]["new_device"] for t in case)


def test_account_takeover_drains_the_balance_at_night_from_a_new_device_elsewhere(trades: list[dict[str, Any]]) -> None:
    takeovers = [t for t in trades if t["fraud_pattern"] == "account_takeover"]
    assert takeovers
    for t in takeovers:
        ctx = t["context"]
        assert when(t).hour < 5 and ctx["new_device"] and ctx["away_from_home"] and ctx["new_counterparty"]
        assert t["amount"] >= 0.5 * t["balance_before"]


def test_structuring_repeats_cash_deposits_just_under_the_threshold(trades: list[dict[str, Any]]) -> None:
    for case in complete_cases(trades, "structuring"):
        assert len(case) >= 3
        assert all(t["trade_type"] == "存现" and STRUCTURING_FLOOR <= t["amount"] < STRUCTURING_THRESHOLD for t in case)


def test_money_mule_passes_an_inflow_on_within_the_hour(trades: list[dict[str, Any]]) -> None:
    for inflow, *outflows in complete_cases(trades, "money_mule"):
        assert inflow["trade_type"] == "入账" and outflows
        assert all(t["trade_type"] == "转账" and when(t) - when(inflow) <= timedelta(hours=1.5) for t in outflows)
        assert 0.95 * inflow["amount"] <= sum(t["amount"] for t in outflows) <= inflow["amount"]


def test_description_shows_the_trade_and_context_but_not_the_label(trades: list[dict[str, Any]]) -> None:
    for trade in trades[::97]:
        text = describe_trade(trade)
        assert f"{trade['amount']:,.2f}元" in text and trade["account_id"] in text and "近24小时" in text
        assert "欺诈" not in text and not any(name in text for name in FRAUD_PATTERNS.values())


def test_dialogues_are_deterministic_and_cover_every_intent_and_sentiment() -> None:
    dialogues = generate_dialogues(600, seed=2)
    assert dialogues == generate_dialogues(600, seed=2)
    assert {d["intent"] for d in dialogues} == set(INTENTS)
    assert {d["sentiment"] for d in dialogues} == set(SENTIMENTS)
    assert len({d["dialogue_id"] for d in dialogues}) == 600


def test_dialogues_alternate_roles_and_fill_every_slot() -> None:
    for dialogue in generate_dialogues(400, seed=9):
        roles = [turn["role"] for turn in dialogue["turns"]]
        assert roles == ["customer", "agent"] * (len(roles) // 2) and len(roles) >= 4
        assert all(turn["text"] and "{" not in turn["text"] for turn in dialogue["turns"])


def test_dialogues_vary_their_wording() -> None:
    openings = [d["turns"][0]["text"] for d in generate_dialogues(1000, seed=4)]
    assert len(set(openings)) > 800


# ---- generated annual-report excerpts and news: text with its truth ----------------------------


class TextSource:
    """The fields of a synthetic config source that ingest reads."""

    def __init__(self, synthetic: str, kind: str, count: int, seed: int = 5) -> None:
        self.name, self.synthetic, self.kind, self.count, self.seed = synthetic, synthetic, kind, count, seed
        self.path, self.format, self.encoding, self.mapping, self.params, self.label_columns = None, "auto", "auto", {}, {}, []
        self.optional = self.allow_outside = False


@pytest.mark.parametrize("generate", [generate_annual_reports, generate_news_articles])
def test_text_generators_are_seeded_and_their_truth_is_where_they_wrote_it(generate: Any) -> None:
    records = generate(60, seed=4)
    assert records == generate(60, seed=4) and records != generate(60, seed=5)
    for record in records:
        truth = record["truth"]
        assert all(record["text"][e["start"] : e["end"]] == e["text"] for e in truth["entities"])
        names = {e["text"] for e in truth["entities"]}
        canonical = {truth["aliases"].get(name, name) for name in names}
        assert all(r["head"] in canonical and r["tail"] in names for r in truth["relations"])
        assert "truth" not in record["text"] and ("summary" not in truth or truth["summary"] not in record["text"])


def test_report_excerpts_read_like_the_pdf_reports_and_the_reader_finds_their_truth() -> None:
    docs = [item for item in synthetic_items(TextSource("annual_reports", "annual_report", 80)) if isinstance(item, Document)]
    assert len(docs) == 80 and all(doc.kind == "annual_report" and doc.title.endswith("2023年年度报告") for doc in docs)
    tables = 0
    for doc in docs:
        truth = doc.meta[TRUTH_KEY]
        found = [{k: e[k] for k in ("name", "period", "value", "unit")} for e in doc.meta["elements"]]
        assert found == truth["elements"] and 1 <= len(found) <= 2  # short enough for a 512-token extraction sample
        assert [s.title for s in find_sections(doc.text)][-1] == "第三节 管理层讨论与分析" and doc.meta["report_year"] == "2023"
        assert any(r["kind"] == "control" for r in truth["relations"]) and "公司" in doc.text.split("\n", 4)[-1]
        tables += "| 主要会计数据 |" in doc.text
    assert 20 < tables < 60  # some excerpts have a key-figure table, some only prose


def test_news_articles_carry_an_editors_summary_that_is_not_their_lead() -> None:
    records = generate_news_articles(30, seed=2)
    assert Counter(r["news_kind"] for r in records) == {"earnings": 10, "acquisition": 10, "dividend": 10}
    for record in records:
        lead = record["text"].split("。")[0]
        assert record["truth"]["summary"] and record["truth"]["summary"] != lead and record["title"]
        assert record["truth"]["relations"]


def test_instruction_items_are_seeded_cover_every_kind_and_answer_from_their_text() -> None:
    import json

    from vertune.data.synthetic.instructions import MAKERS, generate_instructions

    items = generate_instructions(400, seed=3)
    assert items == generate_instructions(400, seed=3) and items != generate_instructions(400, seed=4)
    assert {item["kind"] for item in items} == set(MAKERS)
    assert {item["language"] for item in items} == {"zh", "en"}
    for item in items:
        if item["kind"] in ("reading", "summary"):
            assert item["answer"].removeprefix("the ") in item["text"], item
        if item["kind"] in ("entities", "figures"):
            for found in json.loads(item["answer"]):
                assert (found.get("text") or found["value"]) in item["text"], item
        if item["labels"] and item["task_type"] != "entities":
            assert item["answer"] in item["labels"], item
        if item["kind"] == "arithmetic":
            numbers = [int(n) for n in __import__("re").findall(r"\d+", item["instruction"])]
            assert int(item["answer"]) in {numbers[-2] * numbers[-1], numbers[-2] + numbers[-1],
                                           numbers[-2] - numbers[-1], numbers[0] * numbers[1]}, item
