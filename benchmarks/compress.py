"""Size, memory, speed and loss of each compressed variant beside the uncompressed model.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/compress.py [--skip-big | --qwen3-0.6b]

For the embedded 5M base and a ~96M Qwen3-shaped model (random init; its loss is only a
consistency check), each variant is saved, then loaded in a fresh process by plain
``from_pretrained`` or by vertune's loader (``load_model``: on a CPU it runs int8 weights through
``vertune.model.int8``'s kernels) and measured there:

- disk: the safetensors files; tensors: bytes of the weights once loaded
  (``compress.measure.tensor_footprint``: an int8 tensor counts its int8 data and scales, a tied
  one once); RSS: the process's resident memory after generating minus before the load, with
  torch, transformers and torchao already imported in every variant's process (after
  generating, because safetensors maps pages lazily; before the loss, whose logits for 24 x 256
  tokens take more memory than any of these models);
- tokens/s: greedy generation of 48 new tokens for 16 prompts in one padded batch, best of 3;
- loss: mean next-token loss on held-out generated text.

The baselines a user would run are bf16 (the saved dtype of the shipped weights) and fp32 on
this CPU; every ratio is against bf16.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

import vertune  # noqa: F401 - quiets torchao's CUDA-kernel log lines before transformers loads it
from vertune.compress.variants import save_int8_variant, save_merged, save_pruned
from vertune.model.embedded import embedded_path
from vertune.train.base_model import pretraining_text

CHILD = r"""
import json, sys, time
import psutil, torch
import vertune, torchao.quantization, transformers.quantizers.quantizer_torchao  # imported by every variant alike
from transformers import AutoModelForCausalLM, AutoTokenizer
from vertune.compress.measure import tensor_footprint
from vertune.model.loading import load_model
folder, texts, dtype, loader = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
tokenizer = AutoTokenizer.from_pretrained(folder); tokenizer.padding_side = "left"
before = psutil.Process().memory_info().rss
dtype = torch.float32 if dtype == "fp32" else "auto"
model = (load_model(folder, dtype=dtype) if loader == "vertune" else AutoModelForCausalLM.from_pretrained(folder, dtype=dtype)).eval()
with torch.inference_mode():
    prompts = tokenizer(["客户：我想查询余额，请问怎么操作？"] * 16, return_tensors="pt", padding=True)
    model.generate(**prompts, max_new_tokens=4, do_sample=False)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        model.generate(**prompts, max_new_tokens=48, min_new_tokens=48, do_sample=False)
        best = min(best, time.perf_counter() - start)
    rss = psutil.Process().memory_info().rss - before  # before the loss pass, whose logits dwarf a model's
    batch = tokenizer(texts, return_tensors="pt", padding=True, truncation=True, max_length=256)
    labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    loss = float(model(**batch, labels=labels).loss)
print(json.dumps({"tensors_mb": tensor_footprint(model)[1] / 2**20, "rss_mb": rss / 2**20, "tokens_s": 16 * 48 / best,
                  "loss": loss}))
"""


def build_variants(source: Path, root: Path, calibration: list[str]) -> dict[str, tuple[Path, str, str]]:
    """name -> (folder, load dtype, loader) for bf16, fp32, int8 (plain ``from_pretrained`` and
    vertune's loader), pruned, pruned+int8, built by the compress stage's own functions."""
    save_merged(source, root / "bf16")
    save_int8_variant(root / "bf16", root / "int8")
    save_pruned(source, root / "pruned", 0.2, calibration, max_length=256)
    save_int8_variant(root / "pruned", root / "pruned+int8")
    return {"bf16": (root / "bf16", "auto", "plain"), "fp32": (root / "bf16", "fp32", "plain"),
            "int8 (plain from_pretrained)": (root / "int8", "auto", "plain"),
            "int8 (vertune's loader)": (root / "int8", "auto", "vertune"),
            "pruned": (root / "pruned", "auto", "plain"),
            "pruned+int8 (vertune's loader)": (root / "pruned+int8", "auto", "vertune")}


def measure(name: str, source: Path, held_out: list[str], calibration: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        variants = build_variants(source, Path(tmp), calibration)
        rows = {}
        for variant, (folder, dtype, loader) in variants.items():
            run = subprocess.run([sys.executable, "-c", CHILD, str(folder), json.dumps(held_out, ensure_ascii=False),
                                  dtype, loader],
                                 capture_output=True, text=True, check=True)
            rows[variant] = json.loads(run.stdout.strip().splitlines()[-1])
            disk = sum(p.stat().st_size for p in folder.glob("*.safetensors")) / 2**20
            rows[variant]["disk_mb"] = disk * (2 if dtype == "fp32" else 1)  # fp32 is the bf16 file loaded as fp32
    base = rows["bf16"]
    print(f"\n## {name}\n")
    print("| variant | disk MB | tensors MB | RSS after generating MB | tokens/s | loss | disk vs bf16 | tokens/s vs bf16 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for variant, r in rows.items():
        print(f"| {variant} | {r['disk_mb']:.2f} | {r['tensors_mb']:.2f} | {r['rss_mb']:.0f} | {r['tokens_s']:.0f} | "
              f"{r['loss']:.4f} | {r['disk_mb'] / base['disk_mb']:.2f} | {r['tokens_s'] / base['tokens_s']:.2f}x |")


# Qwen3-0.6B's shapes (its config.json), random init, with the embedded tokenizer's ids inside its vocabulary.
QWEN3_06B = {"hidden_size": 1024, "intermediate_size": 3072, "num_hidden_layers": 28, "num_attention_heads": 16,
             "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 151936}


def build_qwen3_06b(folder: Path) -> None:
    from transformers import Qwen3Config, Qwen3ForCausalLM

    from vertune.model.loading import load_model, load_tokenizer

    tiny = load_model("embedded:tiny-qwen3").config
    config = Qwen3Config(tie_word_embeddings=True, bos_token_id=tiny.bos_token_id, eos_token_id=tiny.eos_token_id,
                         pad_token_id=tiny.pad_token_id, **QWEN3_06B)
    torch.manual_seed(0)
    Qwen3ForCausalLM(config).to(dtype=torch.bfloat16).save_pretrained(folder)
    load_tokenizer("embedded:tiny-qwen3").save_pretrained(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-big", action="store_true", help="only the embedded 5M model")
    parser.add_argument("--qwen3-0.6b", dest="qwen3", action="store_true",
                        help="only a Qwen3-0.6B-shaped model (random init; 1.2 GB per bf16 variant, minutes)")
    args = parser.parse_args()
    texts = pretraining_text(91, dialogues=40, trades=40, reports=20, news=20)
    calibration, held_out = texts[::2][:64], texts[1::2][:24]
    if args.qwen3:
        with tempfile.TemporaryDirectory() as tmp:
            build_qwen3_06b(Path(tmp))
            measure("Qwen3-0.6B-shaped (random init)", Path(tmp), held_out, calibration[:16])
        return
    measure("embedded:tiny-qwen3 (5M)", embedded_path("tiny-qwen3"), held_out, calibration)
    if not args.skip_big:
        sys.path.insert(0, str(Path(__file__).parent))
        from train_throughput import build_big_model

        with tempfile.TemporaryDirectory() as tmp:
            build_big_model(Path(tmp))
            measure("~96M Qwen3-shaped (random init)", Path(tmp), held_out, calibration)


if __name__ == "__main__":
    main()
