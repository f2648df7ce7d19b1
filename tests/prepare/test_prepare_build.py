import pytest

from gold_examples import FINANCE_SYNONYMS, gold, make_config, many_sentiments, one_of_each
from vertune.prepare.build import longest_answers, prepare_samples

AUGMENT = (f"prepare: {{augment: {{synonyms: true, synonyms_file: '{FINANCE_SYNONYMS}', synonym_ratio: 0.5, "
           "back_translation: true}, general_ratio: 0.1}\n")


def _translate_recording(calls: list[str]):
    def translate(text: str, target: str) -> str:
        calls.append(text)
        return f"<{target}>{text}" if target == "en" else text.removeprefix("<en>") + "（据报道）"
    return translate


def test_no_sample_id_is_in_two_splits_and_one_document_stays_in_one_split() -> None:
    calls: list[str] = []
    prepared = prepare_samples(one_of_each() + many_sentiments(), make_config(AUGMENT), translate=_translate_recording(calls))
    ids = {name: {s.id for s in samples} for name, samples in prepared.splits.items()}
    assert all(ids.values()), "every split gets samples"
    assert not (ids["train"] & ids["val"] or ids["train"] & ids["test"] or ids["val"] & ids["test"])
    split_of_doc: dict[str, set[str]] = {}
    for name, samples in prepared.splits.items():
        for sample in samples:
            assert sample.split == name
            if sample.task != "general":
                split_of_doc.setdefault(sample.source_ids[1], set()).add(name)
    assert all(len(splits) == 1 for splits in split_of_doc.values())


def test_augmented_and_general_samples_only_reach_train_and_translation_only_sees_train() -> None:
    calls: list[str] = []
    prepared = prepare_samples(one_of_each() + many_sentiments(), make_config(AUGMENT), translate=_translate_recording(calls))
    train = prepared.splits["train"]
    methods = {s.meta.get("augmented") for s in train}
    assert {"synonyms", "back_translation"} <= methods
    assert any(s.task == "general" for s in train)
    for split in ("val", "test"):
        assert not any(s.meta.get("augmented") or s.task == "general" for s in prepared.splits[split])
        held_out = {s.messages[1].content for s in prepared.splits[split]}
        assert not any(text in user for text in calls if not text.startswith("<") for user in held_out)
    assert prepared.stats["augmented"]["back_translation"] == sum(s.meta.get("augmented") == "back_translation" for s in train)
    assert all("（据报道）" in s.messages[1].content for s in train if s.meta.get("augmented") == "back_translation")


def test_back_translation_without_a_translator_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="translation function"):
        prepare_samples(one_of_each(), make_config("prepare: {augment: {back_translation: true}}\n"))


def test_every_annotation_is_used_or_rejected_with_a_reason() -> None:
    good = one_of_each()
    bad = [
        good[3].model_copy(update={"status": "labelled", "id": "not-gold"}),
        gold("sentiment", "新文本", sentiment="ecstatic"),
        gold("summary", "另一段", summary="摘要").model_copy(update={"task": "poetry"}),
        good[4].model_copy(update={"id": "twin", "annotator": "someone else"}),
    ]
    prepared = prepare_samples(good + bad, make_config())
    reasons = {r.item: r.reason for r in prepared.rejections}
    assert prepared.used == len(good)
    assert sorted(reasons.values()) == sorted(["not gold", "label not in the task's label set", "unknown task", "duplicate sample"])


def test_pieces_of_one_parent_document_share_a_split() -> None:
    pieces = [gold("sentiment", f"第{i}段：公司业绩平稳，订单{i * 13}份。", sentiment="neutral", meta={"parent_id": "report-1"})
              for i in range(12)]
    prepared = prepare_samples(pieces + many_sentiments(), make_config())
    where = {s.split for samples in prepared.splits.values() for s in samples if "段：" in s.messages[1].content}
    assert len(where) == 1


def test_the_result_is_reproducible_and_curriculum_off_shuffles_with_the_seed() -> None:
    config = make_config("prepare: {curriculum: false}\n")
    first = prepare_samples(one_of_each() + many_sentiments(), config)
    second = prepare_samples(list(reversed(one_of_each() + many_sentiments())), config)
    assert {k: [s.id for s in v] for k, v in first.splits.items()} == {k: [s.id for s in v] for k, v in second.splits.items()}
    scores = [s.meta["difficulty"] for s in first.splits["train"]]
    assert scores != sorted(scores)


def test_samples_over_training_max_length_are_rejected_by_the_models_tokenizer() -> None:
    from vertune.model.loading import load_tokenizer
    from vertune.prepare.build import sample_length

    length = sample_length(load_tokenizer("embedded:tiny-qwen3"))
    long_one = gold("sentiment", "营业收入同比增长，市场反应积极。" * 40, sentiment="positive")
    good = one_of_each()
    loose = prepare_samples(good + [long_one], make_config(), length=length)
    assert loose.used == len(good) + 1  # 512 tokens leave room for it
    tight = prepare_samples(good + [long_one], make_config("training: {max_length: 200}\n"), length=length)
    rejected = {r.item: r for r in tight.rejections}
    assert rejected[long_one.id].reason == "longer than training.max_length"
    assert "> 200" in rejected[long_one.id].detail
    kept = [s for samples in tight.splits.values() for s in samples if s.task != "general"]
    assert kept and all(length(s) <= 200 for s in kept)


def test_longest_answers_counts_each_tasks_longest_final_answer_plus_its_end_token() -> None:
    samples = prepare_samples(one_of_each(), make_config()).splits["train"]
    longest = longest_answers(samples, len)  # characters stand in for tokens
    assert set(longest) == {s.task for s in samples}
    for task, count in longest.items():
        assert count == max(len(s.messages[-1].content) for s in samples if s.task == task) + 1
