import pytest

from vertune.prepare.templates import TEMPLATES, render_prompt

TYPES = ("entities", "relations", "intent", "sentiment", "classification", "qa", "summary", "extraction")


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("task_type", TYPES)
def test_every_task_type_has_a_system_prompt_and_fills_every_placeholder(task_type: str, language: str) -> None:
    system, user = render_prompt(task_type, language, "文本{x}内容", ("甲", "乙"), question="问什么？")
    assert system.strip()
    assert "文本{x}内容" in user, "braces in the passage must survive formatting"
    assert "{label_set}" not in user and "{text}" not in user
    if TEMPLATES[language][task_type]["label_set"]:
        assert ("甲、乙" if language == "zh" else "甲, 乙") in user
    if task_type == "qa":
        assert "问什么？" in user


@pytest.mark.parametrize("language", ["zh", "en"])
def test_without_a_label_set_the_label_sentence_is_left_out(language: str) -> None:
    _, with_labels = render_prompt("entities", language, "t", ("公司",))
    _, without = render_prompt("entities", language, "t")
    assert "公司" in with_labels and "公司" not in without
    assert " \n" not in without and "  " not in without
