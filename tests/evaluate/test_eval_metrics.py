import math

import pytest
import sacrebleu
import torch
from rouge_score.rouge_scorer import RougeScorer
from sklearn.metrics import accuracy_score, f1_score

from vertune.evaluate import metrics


def test_accuracy_and_macro_f1_match_scikit_learn() -> None:
    golds = ["正常", "欺诈", "正常", "正常", "欺诈", "正常", "欺诈", "正常"]
    preds = ["正常", "正常", "正常", "欺诈", "欺诈", "正常", None, "正常"]
    assert metrics.accuracy(preds, golds) == pytest.approx(accuracy_score(golds, [str(p) for p in preds]))
    labels = ["正常", "欺诈"]
    expected = f1_score(golds, [str(p) for p in preds], labels=labels, average="macro", zero_division=0)
    assert metrics.macro_f1(preds, golds, labels) == pytest.approx(expected)
    # without a label set: every label seen, as scikit-learn does by default
    three = ["a", "b", "c", "a", "b", "c", "a"]
    guess = ["a", "c", "c", "a", "a", "b", "d"]
    assert metrics.macro_f1(guess, three) == pytest.approx(f1_score(three, guess, average="macro", zero_division=0))


def test_bleu_matches_sacrebleu_with_the_chinese_tokenizer_for_chinese() -> None:
    golds = ["央行降准0.5个百分点，释放约1万亿元长期资金。", "公司营业收入大幅增长。"]
    preds = ["央行降准0.5个百分点，释放长期资金。", "公司营收大幅增长。"]
    assert metrics.bleu(preds, golds) == pytest.approx(sacrebleu.corpus_bleu(preds, [golds], tokenize="zh").score)
    assert metrics.bleu(preds, golds) > 0
    english = (["the cat sat on the mat"], ["the cat is on the mat"])
    assert metrics.bleu(*english) == pytest.approx(sacrebleu.corpus_bleu(english[0], [english[1]], tokenize="13a").score)


def test_rouge_is_character_level_for_chinese_and_matches_a_hand_computation() -> None:
    # 营业收入增长 vs 营业收入下降: 4 of 6 characters shared; bigrams 营业 业收 收入 shared of 5; LCS 4.
    scores = metrics.rouge(["营业收入下降"], ["营业收入增长"])
    assert scores["rouge1"] == pytest.approx(4 / 6)
    assert scores["rouge2"] == pytest.approx(3 / 5)
    assert scores["rougeL"] == pytest.approx(4 / 6)
    # rouge-score's default tokenizer drops every Chinese character: that is why we pass our own.
    default = RougeScorer(["rouge1"]).score("营业收入增长", "营业收入下降")["rouge1"].fmeasure
    assert default == 0.0


def test_rouge_still_scores_english_by_words() -> None:
    ours = metrics.rouge(["the cat sat on the mat"], ["the cat is on the mat"])
    reference = RougeScorer(["rouge1", "rouge2", "rougeL"]).score("the cat is on the mat", "the cat sat on the mat")
    for name in metrics.ROUGE_TYPES:
        assert ours[name] == pytest.approx(reference[name].fmeasure)


def test_exact_match_forgives_width_case_spacing_and_digit_groups() -> None:
    assert metrics.exact_match(["１，４７６．９４亿元。", " Positive "], ["1476.94亿元", "positive"]) == 1.0
    assert metrics.exact_match(["1476.9亿元"], ["1476.94亿元"]) == 0.0


def test_perplexity_is_exp_of_the_mean_token_loss() -> None:
    logits = torch.randn(1, 6, 11)
    targets = torch.randint(0, 11, (1, 6))
    loss = torch.nn.functional.cross_entropy(logits[0], targets[0], reduction="none")
    by_parts = metrics.perplexity([float(loss[:2].sum()), float(loss[2:].sum())], [2, 4])
    assert by_parts == pytest.approx(math.exp(float(loss.mean())), rel=1e-5)


def test_span_f1_counts_exact_entity_matches_only() -> None:
    gold = '[{"text": "贵州茅台", "label": "公司"}, {"text": "1,476.94亿元", "label": "金额"}]'
    reply = '```json\n[{"text": "贵州茅台", "label": "公司"}, {"text": "1,476.94亿", "label": "金额"}]\n```'
    counts = metrics.span_counts("entities", reply, gold)
    assert (counts.tp, counts.predicted, counts.gold) == (1, 2, 2)
    assert counts.f1 == pytest.approx(0.5)
    missed = metrics.span_counts("entities", "I cannot answer that", gold)
    assert (missed.tp, missed.predicted, missed.gold) == (0, 0, 2)


def test_field_f1_pairs_elements_and_reads_answers_leniently() -> None:
    gold = ('[{"name": "营业收入", "period": "2023年", "value": "1,476.94", "unit": "亿元"}, '
            '{"name": "净利润", "period": "2023年", "value": "747.34", "unit": "亿元"}]')
    # nested form, Chinese quotes, a trailing comma and a wrong value: read anyway
    reply = '答案：{“营业收入”: {“2023年”: “1476.94”}, “净利润”: {“2023年”: “700”},}'
    counts = metrics.field_counts(reply, gold)
    # gold has 8 facts; the reply 6 (no units); matches: name, period, value of the first + name, period of the second
    assert (counts.tp, counts.predicted, counts.gold) == (5, 6, 8)
    assert counts.f1 == pytest.approx(2 * 5 / 14)
    unreadable = metrics.field_counts("营业收入是1476.94亿元", gold)
    assert (unreadable.tp, unreadable.predicted, unreadable.gold) == (0, 0, 8)


def test_field_f1_compares_values_as_numbers_and_the_rest_exactly() -> None:
    gold = '[{"name": "营业收入", "period": "2023年", "value": "22,087", "unit": "百万元"}]'
    for value in ("22087", "22,087", "22087.0", "22,087.00"):
        reply = f'[{{"name": "营业收入", "period": "2023年", "value": "{value}", "unit": "百万元"}}]'
        assert metrics.field_counts(reply, gold).tp == 4, value
    negative = '[{"name": "经营活动产生的现金流量净额", "period": "2023年", "value": "(1,234.50)", "unit": "万元"}]'
    reply = '[{"name": "经营活动产生的现金流量净额", "period": "2023年", "value": "-1234.5", "unit": "万元"}]'
    assert metrics.field_counts(reply, negative).tp == 4
    # the unit inside the value, the period inside the name, another unit: each is a wrong field
    wrong = ('[{"name": "营业收入", "period": "2023年", "value": "22087百万元", "unit": ""}, '
             '{"name": "2023年营业收入", "period": "", "value": "22,087", "unit": "亿元"}]')
    counts = metrics.field_counts(wrong, gold)
    assert (counts.tp, counts.predicted, counts.gold) == (2, 6, 4)


def test_corpus_counts_micro_average() -> None:
    total = metrics.corpus_counts([metrics.Counts(1, 2, 2), metrics.Counts(3, 3, 4)])
    assert (total.precision, total.recall) == (pytest.approx(4 / 5), pytest.approx(4 / 6))


def test_token_f1_is_character_overlap_for_chinese() -> None:
    assert metrics.token_f1("西红柿鸡蛋汤", "西红柿鸡蛋汤") == 1.0
    assert metrics.token_f1("鸡蛋汤", "西红柿鸡蛋汤") == pytest.approx(2 * 3 / 9)
    assert metrics.token_f1("the ferry", "ferry") == pytest.approx(2 / 3)


def test_tokens_split_han_characters_from_latin_words() -> None:
    assert metrics.tokens("ACME公司2023年营收") == ["acme", "公", "司", "2023", "年", "营", "收"]
    assert metrics.tokens("Ｒｅｖｅｎｕｅ, up 5%") == ["revenue", "up", "5"]
