"""The embedded base's build items: seeded, and answerable only from the passage they come with."""

from __future__ import annotations

from vertune.train.base_model import KEY_CHARS, copy_items


def test_copy_items_are_seeded_and_every_answer_is_copied_from_its_own_prompt() -> None:
    items = copy_items(seed=5, reports=10, news=10, dialogues=10)
    assert items == copy_items(seed=5, reports=10, news=10, dialogues=10)
    assert {item["kind"] for item in items} == {"copy_by_key", "copy_text"}
    for item in items:
        source = item["text"] or item["instruction"]
        assert item["answer"] and item["answer"] in source and item["answer"] != source


def test_a_copy_by_key_question_names_a_key_that_occurs_once_in_its_passage() -> None:
    """Two sentences with one beginning would make the answer a guess between them."""
    for item in copy_items(seed=6, reports=10, news=10, dialogues=10):
        if item["kind"] == "copy_by_key":
            key = item["answer"][:KEY_CHARS]
            assert f"“{key}”" in item["question"] and item["text"].count(key) == 1
