import re

import pytest

from gold_examples import CONFIG, FINANCE_SYNONYMS, REPORT, entity, gold, make_config, many_sentiments, one_of_each
from vertune.config import ConfigError, parse_config
from vertune.prepare.build import prepare_samples
from vertune.prepare.augment import (
    BACK_TRANSLATABLE, Synonyms, back_translation_variant, load_synonyms, protected_spans, synonym_variant,
)
from vertune.records import ReportField

NUMBERS_AND_CODES = re.compile(r"[0-9A-Za-z][0-9A-Za-z.,%]*")


def test_the_examples_dictionary_is_a_real_finance_list() -> None:
    synonyms = load_synonyms(FINANCE_SYNONYMS)
    groups = {frozenset((word, *others)) for word, others in synonyms.alternatives.items()}
    assert len(groups) >= 100
    assert "营收" in synonyms.alternatives["营业收入"] and "汇款" in synonyms.alternatives["转账"]
    assert not any(re.search(r"[0-9A-Za-z]", word) for word in synonyms.alternatives)


def test_a_word_in_two_groups_is_refused() -> None:
    with pytest.raises(ValueError, match="more than one group"):
        Synonyms([["上涨", "走高"], ["走高", "攀升"]])


def test_replacement_never_touches_numbers_tickers_or_labelled_spans() -> None:
    text = "贵州茅台（600519.SH）营业收入上涨12.5%，客户转账1,000元；净利润回落，营收与净利润同比走高。"
    annotation = gold("entities", text, entities=[entity(text, "营收", "财务指标")])
    for seed in range(30):
        variant = synonym_variant(annotation, load_synonyms(FINANCE_SYNONYMS), ratio=1.0, seed=seed)
        assert variant is not None and variant.text != text
        assert NUMBERS_AND_CODES.findall(variant.text) == NUMBERS_AND_CODES.findall(text)
        (moved,) = variant.entities
        assert variant.text[moved.start : moved.end] == "营收", "the labelled span stays and its offsets follow"


def test_strings_the_answer_quotes_are_protected() -> None:
    fields = [ReportField(name="营业收入", period="2023年", value="1,476.94", unit="亿元")]
    annotation = gold("report_elements", REPORT, fields=fields)
    variant = synonym_variant(annotation, load_synonyms(FINANCE_SYNONYMS), ratio=1.0, seed=0)
    assert variant is not None and "营业收入" in variant.text and "净利润" not in variant.text


def test_replacement_is_deterministic_for_a_seed_and_follows_the_ratio() -> None:
    clauses = ["营收很好", "汇款很快", "股价很高", "客户很多", "行情很热", "业绩很棒", "年报很厚", "央行很忙"]
    annotation = gold("sentiment", "，".join(clauses) + "。", sentiment="neutral")
    synonyms = load_synonyms(FINANCE_SYNONYMS)

    def changed(ratio: float, seed: int) -> int:
        variant = synonym_variant(annotation, synonyms, ratio, seed)
        return sum(a != b for a, b in zip(clauses, variant.text.rstrip("。").split("，")))

    first = synonym_variant(annotation, synonyms, 0.25, seed=7)
    assert first == synonym_variant(annotation, synonyms, 0.25, seed=7)
    assert len({synonym_variant(annotation, synonyms, 0.25, seed=s).text for s in range(10)}) > 1
    assert changed(0.25, 7) == 2, "25% of the 8 replaceable words"
    assert changed(1.0, 7) == 8
    assert changed(0.01, 7) == 1, "at least one word"


def test_nothing_to_replace_gives_no_variant() -> None:
    assert synonym_variant(gold("sentiment", "今天天气不错。", sentiment="positive"), load_synonyms(FINANCE_SYNONYMS), 1.0, 0) is None


def test_protected_spans_cover_codes_and_entities() -> None:
    text = "贵州茅台（600519.SH）"
    spans = protected_spans(gold("entities", text, entities=[entity(text, "贵州茅台", "公司")]))
    assert (5, 14) in spans and (0, 4) in spans


def test_back_translation_round_trips_through_a_pivot_and_skips_span_tasks() -> None:
    calls = []

    def translate(text: str, target: str) -> str:
        calls.append(target)
        return f"[{target}]{text}" if target == "en" else text.removeprefix("[en]") + "（改写）"

    annotation = one_of_each()[3]
    variant = back_translation_variant(annotation, "sentiment", translate)
    assert calls == ["en", "zh"] and variant.text == annotation.text + "（改写）"
    assert variant.id == annotation.id and variant.sentiment == annotation.sentiment
    assert "entities" not in BACK_TRANSLATABLE and "extraction" not in BACK_TRANSLATABLE
    assert back_translation_variant(one_of_each()[0], "entities", translate) is None
    assert back_translation_variant(annotation, "sentiment", lambda text, target: text) is None, "unchanged text"


def test_synonym_augmentation_needs_the_projects_own_list() -> None:
    with pytest.raises(ConfigError, match="synonyms_file"):
        make_config("prepare: {augment: {synonyms: true}}\n")


def test_a_projects_synonym_file_is_read_relative_to_its_config(tmp_path) -> None:
    (tmp_path / "lexicon").mkdir()
    (tmp_path / "lexicon" / "medical.txt").write_text("# 医学同义词\n上涨 升高\n", encoding="utf-8")
    extra = "prepare: {augment: {synonyms: true, synonym_ratio: 1.0, synonyms_file: lexicon/medical.txt}}\n"
    config = parse_config(CONFIG + extra, base_dir=tmp_path)
    train = prepare_samples(many_sentiments(), config).splits["train"]
    augmented = [s for s in train if s.meta.get("augmented") == "synonyms"]
    assert augmented and all("升高" in s.messages[1].content for s in augmented)
    with pytest.raises(FileNotFoundError, match="synonyms_file: synonym file .*medical.txt does not exist"):
        prepare_samples(many_sentiments(), parse_config(CONFIG + extra, base_dir=tmp_path / "elsewhere"))
