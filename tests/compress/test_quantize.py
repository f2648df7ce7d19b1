from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from transformers import AutoModelForCausalLM

pytest.importorskip("torchao")

from vertune.compress.quantize import is_int8  # noqa: E402
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


def test_int8_halves_disk_and_memory_and_keeps_the_loss(int8_folders: tuple[Path, Path]) -> None:
    disk = {f.name: sum(p.stat().st_size for p in f.glob("*.safetensors")) for f in int8_folders}
    assert disk["int8"] <= 0.55 * disk["bf16"]  # measured 4.83 of 9.45 MB: the tied embedding is int8 too
    texts = pretraining_text(55, dialogues=4, trades=4, reports=0, news=4)
    loaded = {f.name: _child(f, texts) for f in int8_folders}  # a fresh process, plain from_pretrained
    assert loaded["int8"]["bytes"] <= 0.55 * loaded["bf16"]["bytes"]
    assert loaded["int8"]["tied"] and loaded["int8"]["generated"] > 0
    assert abs(loaded["int8"]["loss"] - loaded["bf16"]["loss"]) <= 0.02 * loaded["bf16"]["loss"]


def test_is_int8_tells_a_saved_int8_model_from_a_plain_one(int8_folders: tuple[Path, Path]) -> None:
    assert is_int8(AutoModelForCausalLM.from_pretrained(int8_folders[1]))
    assert not is_int8(AutoModelForCausalLM.from_pretrained(embedded_path("tiny-qwen3")))


def test_the_same_model_quantised_in_two_processes_gives_the_same_bytes(int8_folders: tuple[Path, Path],
                                                                        tmp_path: Path) -> None:
    """The registry tells versions apart by their files' hashes: compressing the same model again
    must publish as the same version, whatever the process's hash seed."""
    import os

    script = "import sys; from pathlib import Path; from vertune.compress.variants import save_int8_variant; " \
             "save_int8_variant(Path(sys.argv[1]), Path(sys.argv[2]))"
    for seed in ("1", "2"):
        subprocess.run([sys.executable, "-c", script, str(int8_folders[0]), str(tmp_path / seed)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True)
    files = sorted(p.name for p in (tmp_path / "1").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "2").iterdir()) and "model.safetensors" in files
    for name in files:
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name
