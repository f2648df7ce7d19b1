from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

pytest.importorskip("torchao")

from vertune.compress.quantize import fast_int8_linears, is_int8, quantize_int8, save_int8  # noqa: E402
from vertune.model.embedded import embedded_path  # noqa: E402
from vertune.train.base_model import pretraining_text  # noqa: E402

CHILD = """
import json, sys, torch
import vertune
from transformers import AutoModelForCausalLM, AutoTokenizer
folder, texts = sys.argv[1], json.loads(sys.argv[2])
model = AutoModelForCausalLM.from_pretrained(folder).eval(); tokenizer = AutoTokenizer.from_pretrained(folder)
def size(t):
    return t.qdata.numel() * t.qdata.element_size() + t.scale.numel() * t.scale.element_size() if hasattr(t, "qdata") else t.numel() * t.element_size()
unique = {id(t): size(t) for t in [*model.parameters(), *model.buffers()]}
batch = tokenizer(texts, return_tensors="pt", padding=True)
labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
with torch.no_grad():
    loss = float(model(**batch, labels=labels).loss)
out = model.generate(**tokenizer(["客户：我想查询余额"], return_tensors="pt"), max_new_tokens=8, do_sample=False)
print(json.dumps({"bytes": sum(unique.values()), "loss": loss, "tied": model.lm_head.weight is model.model.embed_tokens.weight,
                  "generated": out.shape[1]}))
"""


def _child(folder: Path, texts: list[str]) -> dict:
    run = subprocess.run([sys.executable, "-c", CHILD, str(folder), json.dumps(texts, ensure_ascii=False)],
                         capture_output=True, text=True, check=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The embedded base saved in bf16, and INT8 by ``save_int8``."""
    root = tmp_path_factory.mktemp("int8")
    source = embedded_path("tiny-qwen3")
    tokenizer = AutoTokenizer.from_pretrained(source)
    bf16 = AutoModelForCausalLM.from_pretrained(source, dtype=torch.bfloat16)
    bf16.save_pretrained(root / "bf16")
    save_int8(quantize_int8(AutoModelForCausalLM.from_pretrained(source, dtype=torch.bfloat16)), root / "int8")
    for name in ("bf16", "int8"):
        tokenizer.save_pretrained(root / name)
    return root / "bf16", root / "int8"


def test_int8_halves_disk_and_memory_and_keeps_the_loss(folders: tuple[Path, Path]) -> None:
    bf16, int8 = folders
    disk = {f.name: sum(p.stat().st_size for p in f.glob("*.safetensors")) for f in folders}
    assert disk["int8"] <= 0.55 * disk["bf16"]  # measured 4.83 of 9.45 MB: the tied embedding is int8 too
    texts = pretraining_text(55, dialogues=4, trades=4, reports=0, news=4)
    loaded = {f.name: _child(f, texts) for f in folders}  # a fresh process, plain from_pretrained
    assert loaded["int8"]["bytes"] <= 0.55 * loaded["bf16"]["bytes"]
    assert loaded["int8"]["tied"] and loaded["int8"]["generated"] > 0
    assert abs(loaded["int8"]["loss"] - loaded["bf16"]["loss"]) <= 0.02 * loaded["bf16"]["loss"]


def test_the_fast_cpu_kernel_keeps_the_stored_int8_weights_quality(folders: tuple[Path, Path]) -> None:
    _, int8 = folders
    tokenizer = AutoTokenizer.from_pretrained(int8)
    stored = AutoModelForCausalLM.from_pretrained(int8).eval()
    fast = AutoModelForCausalLM.from_pretrained(int8).eval()
    assert is_int8(fast) and fast_int8_linears(fast) == 4 * 7 + 1  # every projection and the tied head
    batch = tokenizer(pretraining_text(56, dialogues=8, trades=8, reports=4, news=4), return_tensors="pt", padding=True,
                      truncation=True, max_length=256)
    labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    with torch.no_grad():
        a, b = float(stored(**batch, labels=labels).loss), float(fast(**batch, labels=labels).loss)
    assert abs(b - a) <= 0.02 * a  # measured: 0.8975 stored, 0.9067 fast (activations rounded to int8)


def test_a_plain_model_is_not_int8() -> None:
    assert not is_int8(AutoModelForCausalLM.from_pretrained(embedded_path("tiny-qwen3")))


def test_vertune_loads_an_int8_embedding_by_row_with_the_same_logits_and_the_head_tied(folders: tuple[Path, Path]) -> None:
    from vertune.model.loading import Int8RowLookup, load_model

    plain = AutoModelForCausalLM.from_pretrained(folders[1]).eval()
    ours = load_model(str(folders[1])).eval()
    assert isinstance(ours.get_input_embeddings(), Int8RowLookup)
    assert ours.get_output_embeddings().weight is ours.get_input_embeddings().weight  # still one tensor
    ids = AutoTokenizer.from_pretrained(folders[1])(["客户：我想查询余额", "公司2023年营业收入"], return_tensors="pt",
                                                      padding=True)
    with torch.no_grad():
        assert torch.equal(plain(**ids).logits, ours(**ids).logits)
    assert not isinstance(load_model(str(folders[0])).get_input_embeddings(), Int8RowLookup)  # bf16 untouched
