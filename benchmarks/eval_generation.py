"""Batched greedy generation (``LocalRunner``, left padding) vs one request at a time.

Both runs use the same model object, the same requests and the same code path; the only
difference is ``batch_size``. Every request gets the same answer budget and no stop strings,
so both runs generate the same number of tokens, and the greedy outputs must be identical
(the script fails otherwise).

Requests: the shipped general suite (short prompts), or with ``--test-split`` a prepare
``test.jsonl`` (domain prompts, several hundred tokens each). Models: ``tiny`` is
``embedded:tiny-qwen3`` (5M parameters); ``qwen3-100m`` is a random-init Qwen3 of about 95M
parameters built here from a config (no download), using the tiny model's tokenizer.

    .venv/bin/python benchmarks/eval_generation.py --model tiny --items 96
    .venv/bin/python benchmarks/eval_generation.py --model qwen3-100m --items 32
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import torch
import transformers
from transformers import Qwen3Config, Qwen3ForCausalLM

from vertune.evaluate.runners import LocalRunner, Request
from vertune.evaluate.suites import domain_items, general_items
from vertune.model.loading import load_model, load_tokenizer
from vertune.records import Sample, read_jsonl

TINY = "embedded:tiny-qwen3"


def qwen3_100m(vocab_size: int) -> Qwen3ForCausalLM:
    """A random-init Qwen3-shaped model of about 95M parameters (seeded, so runs agree)."""
    torch.manual_seed(0)
    config = Qwen3Config(vocab_size=vocab_size, hidden_size=768, num_hidden_layers=14, num_attention_heads=12,
                         num_key_value_heads=4, head_dim=64, intermediate_size=2048, max_position_embeddings=4096,
                         tie_word_embeddings=True, bos_token_id=0, eos_token_id=2, pad_token_id=0)
    return Qwen3ForCausalLM(config).eval()


def requests(test_split: Path | None, count: int, max_new_tokens: int) -> list[Request]:
    """``count`` prompts with one fixed budget and no stop strings."""
    if test_split:
        items = domain_items(list(read_jsonl(test_split, Sample)), {}, max_new_tokens)
    else:
        items = general_items(max_new_tokens)
    return [Request(item.request.messages, max_new_tokens) for item in items[:count]]


def timed(runner: LocalRunner, batch: list[Request]) -> tuple[list, float]:
    started = time.perf_counter()
    replies = runner.generate(batch)
    return replies, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=["tiny", "qwen3-100m"], default="tiny")
    parser.add_argument("--items", type=int, default=96)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--test-split", type=Path, help="a prepare test.jsonl (domain prompts) instead of the general suite")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1: on a shared machine more threads can be much slower)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    tokenizer = load_tokenizer(TINY)
    model = load_model(TINY) if args.model == "tiny" else qwen3_100m(len(tokenizer))
    work = requests(args.test_split, args.items, args.max_new_tokens)
    lengths = sorted(len(LocalRunner(model, tokenizer).prompt_ids(r.messages)) for r in work)
    print(f"model: {args.model} ({sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters, {model.dtype})")
    print(f"requests: {len(work)} from {args.test_split or 'the general suite'}, prompt tokens "
          f"min {lengths[0]} / median {lengths[len(lengths) // 2]} / max {lengths[-1]}, {args.max_new_tokens} new tokens each")
    print(f"versions: python {platform.python_version()}, torch {torch.__version__}, transformers {transformers.__version__}; "
          f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, load average {os.getloadavg()[0]:.2f} at start")

    batched_runner = LocalRunner(model, tokenizer, batch_size=args.batch_size)
    single_runner = LocalRunner(model, tokenizer, batch_size=1)
    batched_runner.generate(work[:2])  # warm-up: first-call allocations are not what we measure
    single, single_s = timed(single_runner, work)
    batched, batched_s = timed(batched_runner, work)
    same = sum(a == b for a, b in zip(single, batched))
    assert same == len(work), f"greedy outputs differ: {len(work) - same} of {len(work)}"

    print(f"{'mode':<22}{'seconds':>9}{'items/s':>10}")
    print(f"{'one at a time':<22}{single_s:>9.1f}{len(work) / single_s:>10.2f}")
    print(f"{f'batched ({args.batch_size})':<22}{batched_s:>9.1f}{len(work) / batched_s:>10.2f}")
    print(f"speed-up: {single_s / batched_s:.2f}x; identical greedy outputs: {same}/{len(work)}; "
          f"load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
