"""The embedded tiny Qwen3: deterministic, cached, atomic, and an ordinary HF model folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from vertune.model import embedded
from vertune.model.embedded import EMBEDDED, IM_END, build_hash, embedded_path


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VERTUNE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def folder() -> Path:
    return embedded_path("tiny-qwen3")


def file_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*"))}


def test_builds_a_small_qwen3_into_the_cache(folder: Path, cache: Path) -> None:
    model = AutoModelForCausalLM.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert folder.parent == cache / "models" and folder.name.startswith("tiny-qwen3-")
    assert model.config.model_type == "qwen3" and model.config.tie_word_embeddings
    assert model.config.vocab_size == len(tokenizer)
    assert 1_000_000 < sum(p.numel() for p in model.parameters()) < 10_000_000
    im_end = tokenizer.convert_tokens_to_ids(IM_END)
    assert model.generation_config.eos_token_id == im_end
    assert model.generation_config.pad_token_id == tokenizer.pad_token_id


def test_byte_identical_when_built_twice(tmp_path: Path) -> None:
    first = embedded_path("tiny-qwen3", tmp_path / "a")
    second = embedded_path("tiny-qwen3", tmp_path / "b")
    assert first.name == second.name
    assert file_hashes(first) == file_hashes(second)


def test_cached_build_is_reused(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "_build", lambda *args: pytest.fail("rebuilt a cached model"))
    assert embedded_path("tiny-qwen3") == folder


def test_failed_build_leaves_no_folder(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(recipe: object, corpus: str, folder: Path, weights: Path | None) -> None:
        (folder / "config.json").write_text("{}")
        raise KeyboardInterrupt

    monkeypatch.setattr(embedded, "_build", crash)
    with pytest.raises(KeyboardInterrupt):
        embedded_path("tiny-qwen3")
    assert list((cache / "models").iterdir()) == []


def test_hash_covers_recipe_corpus_and_weights(tmp_path: Path) -> None:
    teacher, student = EMBEDDED["tiny-qwen3"], EMBEDDED["tiny-qwen3-student"]
    assert build_hash(teacher, "a") == build_hash(teacher, "a")
    assert build_hash(teacher, "a") != build_hash(teacher, "b")
    assert build_hash(teacher, "a") != build_hash(student, "a")
    one, two = tmp_path / "one.safetensors", tmp_path / "two.safetensors"
    one.write_bytes(b"1")
    two.write_bytes(b"2")
    assert build_hash(teacher, "a", one) != build_hash(teacher, "a", two) != build_hash(teacher, "a")


def _answer_loss(folder: Path, prompt: str, answer: str) -> float:
    model, tokenizer = AutoModelForCausalLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)
    head = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                         add_generation_prompt=True)
    ids = tokenizer(head + answer, return_tensors="pt").input_ids
    start = len(tokenizer(head).input_ids)
    labels = ids.clone()
    labels[:, :start] = -100
    with torch.no_grad():
        return float(model(input_ids=ids, labels=labels).loss)


def _text_loss(folder: Path, text: str) -> float:
    model, tokenizer = AutoModelForCausalLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)
    ids = tokenizer(text, return_tensors="pt").input_ids
    with torch.no_grad():
        return float(model(input_ids=ids, labels=ids).loss)


def test_the_shipped_base_is_trained_not_random(folder: Path, tmp_path: Path) -> None:
    """The committed weights load, and they model text the random initialisation does not."""
    assert embedded.weights_file("tiny-qwen3").is_file()
    untrained = embedded.build_untrained("tiny-qwen3", tmp_path / "untrained")
    prompt, answer = "判断下面文本的情感倾向。从以下标签中选择一个：positive、neutral、negative。只回答标签本身。\n\n文本：太好了，我今天很开心。", "positive"
    trained_loss, random_loss = _answer_loss(folder, prompt, answer), _answer_loss(untrained, prompt, answer)
    assert random_loss > 7.0 > 3.0 > trained_loss, (random_loss, trained_loss)
    from vertune.train.base_model import pretraining_text

    for text in pretraining_text(seed=99, dialogues=1, trades=1, reports=1, news=1):  # a seed the build never used
        assert _text_loss(folder, text) < _text_loss(untrained, text) - 4.0


def test_the_shipped_base_tells_label_words_apart(folder: Path) -> None:
    """Tokens a base never predicts collapse onto one direction of the tied embeddings, and LoRA
    cannot move embeddings: the first shipped base had cosine 0.89-0.92 between 修改密码, 开户,
    查询 and 贷款, and LoRA learnt only the majority label. The glossary in its build fixes that."""
    model, tokenizer = AutoModelForCausalLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)
    words = ["修改密码", "开户", "查询", "贷款", "投诉", "挂失", "正常", "理财"]
    ids = [tokenizer(w, add_special_tokens=False).input_ids[0] for w in words]
    vectors = torch.nn.functional.normalize(model.get_input_embeddings().weight[ids].detach().float(), dim=-1)
    cosine = vectors @ vectors.T - 2 * torch.eye(len(ids))
    assert cosine.max() < 0.6, {w: round(float(c), 2) for w, c in zip(words, cosine.max(dim=1).values)}


@pytest.mark.xfail(strict=True, reason="copies 0 of the 39 new sentences: it recalls build sentences, it does not copy")
def test_the_shipped_base_copies_a_sentence_it_has_never_read() -> None:
    """Extraction and QA answers are copied from the input. The copy items in the base's build
    were meant to teach that; measured, the base copies 18 of 80 held-out items exactly, and all
    18 are sentences its build text contains verbatim (the generators are templates). On the 39
    it has never read it copies none, so the demo's extraction and QA tasks guess."""
    from vertune.train.base_model import SEED, build_corpus, copy_items, instruction_sample

    built, documents = build_corpus()
    read = "\n".join([item["text"] or item["instruction"] for item in built] + documents)
    items = [item for item in copy_items(SEED + 98, reports=30, news=30, dialogues=20) if item["answer"] not in read]
    assert len(items) >= 30
    folder = embedded_path("tiny-qwen3")
    model, tokenizer = AutoModelForCausalLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)
    tokenizer.padding_side = "left"
    prompts = [tokenizer.apply_chat_template([m.model_dump() for m in instruction_sample(item).messages[:2]],
                                             tokenize=False, add_generation_prompt=True) for item in items]
    batch = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    output = model.generate(**batch, max_new_tokens=64, do_sample=False)
    replies = tokenizer.batch_decode(output[:, batch["input_ids"].shape[1]:], skip_special_tokens=True)
    copied = sum(reply.strip() == item["answer"] for reply, item in zip(replies, items))
    assert copied / len(items) >= 0.15, f"{copied} of {len(items)} new sentences copied exactly"


def test_the_glossary_lists_every_text_token_of_the_vocabulary(folder: Path) -> None:
    from vertune.train.base_model import glossary

    tokenizer = AutoTokenizer.from_pretrained(folder)
    seen = {i for doc in glossary(tokenizer, seed=0, repeats=1) for i in tokenizer(doc, add_special_tokens=False).input_ids}
    text_tokens = [i for i in range(len(tokenizer)) if "\ufffd" not in tokenizer.decode([i])
                   and tokenizer.decode([i]).strip() and i not in tokenizer.all_special_ids]
    assert len(seen & set(text_tokens)) / len(text_tokens) > 0.98


def test_student_shares_the_tokenizer(folder: Path) -> None:
    student = embedded_path("tiny-qwen3-student")
    assert (student / "tokenizer.json").read_bytes() == (folder / "tokenizer.json").read_bytes()
    teacher_layers = AutoModelForCausalLM.from_pretrained(folder).config.num_hidden_layers
    assert AutoModelForCausalLM.from_pretrained(student).config.num_hidden_layers < teacher_layers


def test_build_leaves_global_rng_alone() -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    embedded_path("tiny-qwen3-student")
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize(
    "text",
    ["营业收入12.5%，¥3,000亿元 600519.SH", "Net profit rose 7.3% YoY.\n\t第二行：€1.2bn ≈ HK$10亿 😀", "  a  b\r\n"],
)
def test_tokenizer_round_trips_text_exactly(folder: Path, text: str) -> None:
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert tokenizer.decode(tokenizer.encode(text)) == text


def test_chat_template_survives_reload(folder: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(folder)
    messages = [{"role": "system", "content": "你是金融助手"}, {"role": "user", "content": "毛利率？"}]
    assert tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True) == (
        "<|im_start|>system\n你是金融助手<|im_end|>\n<|im_start|>user\n毛利率？<|im_end|>\n<|im_start|>assistant\n"
    )
    assert tokenizer.apply_chat_template(messages, tokenize=False).endswith("毛利率？<|im_end|>\n")


def test_generates_from_chat_prompt(folder: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    messages = [{"role": "user", "content": "贵州茅台2023年营业收入是多少？"}]
    inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    output = model.generate(**inputs, max_new_tokens=8, do_sample=False)
    new_tokens = output[0, inputs["input_ids"].shape[1] :]
    assert 0 < len(new_tokens) <= 8
    assert isinstance(tokenizer.decode(new_tokens, skip_special_tokens=True), str)


def test_save_pretrained_round_trip_keeps_logits(folder: Path, tmp_path: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    copy = tmp_path / "copy"
    model.save_pretrained(copy)
    tokenizer.save_pretrained(copy)
    reloaded = AutoModelForCausalLM.from_pretrained(copy)
    ids = AutoTokenizer.from_pretrained(copy)("归母净利润同比增长", return_tensors="pt").input_ids
    assert torch.equal(ids, tokenizer("归母净利润同比增长", return_tensors="pt").input_ids)
    with torch.no_grad():
        assert torch.equal(model(ids).logits, reloaded(ids).logits)
