"""Examples: exact answer-only labels, truncation, pretraining pieces, and the batch plan."""

from __future__ import annotations

import pytest
import torch
from train_samples import chat
from transformers import PreTrainedTokenizerBase

from vertune.model.loading import load_tokenizer
from vertune.records import Document, Message, Sample
from vertune.train.data import (
    IGNORE,
    Example,
    collate,
    encode,
    encode_chat,
    encode_text,
    plan_epoch,
    right_padded,
    split_micro_batches,
)


@pytest.fixture
def tokenizer() -> PreTrainedTokenizerBase:
    return load_tokenizer("embedded:tiny-qwen3")


def labelled_text(example: Example, tokenizer: PreTrainedTokenizerBase) -> str:
    return tokenizer.decode([label for label in example.labels if label != IGNORE])


def test_only_the_answer_and_its_end_token_are_labelled(tokenizer: PreTrainedTokenizerBase) -> None:
    sample = chat("我想查询账户余额，谢谢", "余额查询")
    example, truncated = encode_chat(sample, tokenizer, max_length=512)
    assert not truncated
    assert labelled_text(example, tokenizer) == "余额查询<|im_end|>"
    rendered = tokenizer.apply_chat_template([m.model_dump() for m in sample.messages], tokenize=False)
    assert tokenizer.decode(example.input_ids) == rendered
    first = example.labels.index(next(label for label in example.labels if label != IGNORE))
    assert tokenizer.decode(example.input_ids[:first]).endswith("<|im_start|>assistant\n")


def test_every_assistant_turn_is_labelled_even_when_a_user_says_the_same(tokenizer: PreTrainedTokenizerBase) -> None:
    sample = Sample(task="dialogue", messages=[
        Message(role="user", content="好"), Message(role="assistant", content="好"),
        Message(role="user", content="再说一次"), Message(role="assistant", content="Revenue +12.5%"),
    ])
    example, _ = encode_chat(sample, tokenizer, max_length=512)
    assert labelled_text(example, tokenizer) == "好<|im_end|>Revenue +12.5%<|im_end|>"


def test_truncation_cuts_to_max_length_and_drops_samples_left_without_answer(tokenizer: PreTrainedTokenizerBase) -> None:
    long_prompt = chat("很长的问题。" * 100, "答")
    encoded = encode([long_prompt, chat("短", "答")], tokenizer, max_length=64)
    assert len(encoded.examples) == 1 and encoded.truncated == 1
    assert encoded.dropped == [(long_prompt.id, "no assistant token within max_length")]
    partly = encode([chat("问", "很长的回答。" * 50)], tokenizer, max_length=60)
    assert len(partly.examples[0]) == 60 and partly.examples[0].targets > 0


def test_documents_are_cut_into_pieces_with_every_token_labelled(tokenizer: PreTrainedTokenizerBase) -> None:
    text = "公司2023年营业收入为1,505.60亿元，同比增长18.04%。" * 20
    pieces = encode_text(text, tokenizer, max_length=50)
    ids = [t for piece in pieces for t in piece.input_ids]
    assert all(len(p) <= 50 for p in pieces) and all(p.labels == p.input_ids for p in pieces)
    assert ids == tokenizer(text, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    assert len(encode([Document(source="a", kind="news", text=text), text], tokenizer, 50).examples) == 2 * len(pieces)


def test_plan_is_deterministic_per_seed_and_covers_every_example_once() -> None:
    lengths = [((i * 37) % 100) + 5 for i in range(200)]
    plan = plan_epoch(lengths, batch_size=4, accumulation=2, seed=7, epoch=0, keep_order=False)
    assert plan == plan_epoch(lengths, 4, 2, seed=7, epoch=0, keep_order=False)
    assert plan != plan_epoch(lengths, 4, 2, seed=7, epoch=1, keep_order=False)
    assert sorted(i for step in plan for batch in step for i in batch) == list(range(200))
    assert len(plan) == 25 and all(len(step) == 2 for step in plan)


def test_length_grouping_pads_far_less_than_random_batches() -> None:
    lengths = [((i * 7919) % 300) + 10 for i in range(512)]

    def padded(plan: list[list[list[int]]]) -> int:
        return sum(max(lengths[i] for i in batch) * len(batch) for step in plan for batch in step)

    grouped = padded(plan_epoch(lengths, 8, 4, seed=0, epoch=0, keep_order=False))
    unsorted = sum(max(lengths[i : i + 8]) * len(lengths[i : i + 8]) for i in range(0, 512, 8))
    assert grouped < 0.75 * unsorted
    assert grouped < 1.1 * sum(lengths)


def test_curriculum_order_is_kept_across_steps() -> None:
    lengths = [10, 50, 20, 40, 30, 60, 70, 5, 15]
    plan = plan_epoch(lengths, batch_size=2, accumulation=2, seed=3, epoch=2, keep_order=True)
    step_sets = [sorted(i for batch in step for i in batch) for step in plan]
    assert step_sets == [[0, 1, 2, 3], [4, 5, 6, 7], [8]]


def test_oom_split_halves_micro_batches_and_keeps_the_examples() -> None:
    step = [[0, 1, 2, 3], [4, 5, 6]]
    assert split_micro_batches(step, 1) == step
    assert split_micro_batches(step, 2) == [[0, 1], [2, 3], [4, 5], [6]]


def test_collate_pads_to_the_longest_of_the_batch_only() -> None:
    batch = collate([Example([5, 6, 7], [IGNORE, 6, 7]), Example([8], [8])], pad_id=0)
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert torch.equal(batch["labels"], torch.tensor([[IGNORE, 6, 7], [8, IGNORE, IGNORE]]))


@pytest.mark.parametrize(("mask", "right"), [
    ([[1, 1, 1], [1, 0, 0]], True),
    ([[1, 1, 1], [1, 1, 1]], True),
    ([[0, 1, 1], [1, 1, 1]], False),  # left padding
    ([[1, 0, 1], [1, 1, 1]], False),  # a hole
    ([[1, 1, 0], [0, 0, 0]], True),  # an empty row has no real token to see anything
])
def test_right_padded_only_for_real_tokens_followed_by_pads(mask: list[list[int]], right: bool) -> None:
    assert right_padded(torch.tensor(mask)) is right


def test_a_template_that_rewrites_the_text_drops_the_sample_with_the_reason(tokenizer: PreTrainedTokenizerBase) -> None:
    tokenizer.chat_template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] | upper }}\n{% endfor %}"
    sample = chat("hello", "world", system=None)
    encoded = encode([sample], tokenizer, 64)
    assert encoded.examples == [] and encoded.dropped == [
        (sample.id, f"sample {sample.id}: the chat template does not contain the user text verbatim")]


def test_training_max_length_is_a_config_key_defaulting_to_512() -> None:
    from vertune.config import parse_config

    assert parse_config("project: p\n").training.max_length == 512
    assert parse_config("project: p\ntraining: {max_length: 256}\n").training.max_length == 256
