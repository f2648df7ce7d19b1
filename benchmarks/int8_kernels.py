"""INT8 building blocks on this CPU, one call at a time, against bf16 at Qwen3-0.6B's shapes.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python -W ignore benchmarks/int8_kernels.py

1. An embedding lookup of 16 token ids in Qwen3-0.6B's 151,936 x 1,024 table: bf16, torchao's int8
   embedding (what plain ``from_pretrained`` runs for a saved int8 folder) and vertune's row lookup
   (``vertune.model.int8.Int8RowLookup``, what ``load_model`` runs).
2. A linear layer of each of the model's shapes, the tied head included, for M = 1, 16 and 64 rows
   (one decode step of a batch of M): bf16 ``F.linear``, torchao's int8 weight-only,
   ``torch._weight_int8pack_mm`` (weight-only, exact activations), PyTorch's own dynamic int8
   module (``torch.ao.nn.quantized.dynamic.Linear``: 7-bit activations), and vertune's two kernels
   (``vertune.model.int8``): ``Int8DynamicLinear`` (the same fbgemm kernel with 8-bit
   activations, what every linear layer runs) and ``Int8TiedHead`` (per-row activation scales and
   ``torch._int_mm`` on the embedding's int8 table, what a tied head runs).

Microseconds per call, mean of 50 after 5 warm-ups; lower is better.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
import torch.nn.functional as F

import vertune  # noqa: F401 - quiets torchao's CUDA-kernel log lines
from vertune.model.int8 import Int8DynamicLinear, Int8RowLookup, Int8TiedHead

SHAPES = ((3072, 1024), (1024, 3072), (2048, 1024), (151936, 1024))  # (out, in): MLP up/gate, down, q, tied head


def microseconds(call: Callable[[], object], repeats: int = 50) -> float:
    for _ in range(5):
        call()
    start = time.perf_counter()
    for _ in range(repeats):
        call()
    return (time.perf_counter() - start) / repeats * 1e6


def lookups() -> None:
    from torchao.quantization import Int8WeightOnlyConfig, quantize_

    table = torch.nn.Sequential(torch.nn.Embedding(151936, 1024, dtype=torch.bfloat16))
    ids = torch.randint(0, 151936, (16, 1))
    bf16 = microseconds(lambda: table(ids), 20)
    quantize_(table, Int8WeightOnlyConfig(), filter_fn=lambda module, _: isinstance(module, torch.nn.Embedding))
    rows = Int8RowLookup(table[0])
    assert torch.equal(rows(ids), table(ids))
    print("| lookup | µs |\n| --- | --- |")
    print(f"| bf16 | {bf16:.1f} |\n| torchao int8 | {microseconds(lambda: table(ids), 5):.1f} |\n"
          f"| vertune row lookup | {microseconds(lambda: rows(ids), 20):.1f} |\n")


def linears() -> None:
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear
    from torchao.quantization import Int8WeightOnlyConfig, quantize_

    print("| out x in | M | bf16 | torchao int8 | int8pack_mm | torch.ao dynamic (7-bit) | Int8DynamicLinear "
          "| Int8TiedHead |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for out_features, in_features in SHAPES:
        weight = torch.randn(out_features, in_features, dtype=torch.bfloat16) * 0.02
        ao = torch.nn.Sequential(torch.nn.Linear(in_features, out_features, bias=False, dtype=torch.bfloat16))
        ao[0].weight.data = weight.clone()
        quantize_(ao, Int8WeightOnlyConfig())
        qweight, scale = ao[0].weight.qdata, ao[0].weight.scale.reshape(-1).float()
        dynamic = DynamicLinear(in_features, out_features, bias_=False, dtype=torch.qint8)
        dynamic.set_weight_bias(torch._make_per_channel_quantized_tensor(
            qweight, scale.double(), torch.zeros(out_features, dtype=torch.long), 0), None)
        ours, head = Int8DynamicLinear(ao[0]), Int8TiedHead(ao[0])
        for rows in (1, 16, 64):
            x = torch.randn(rows, in_features, dtype=torch.bfloat16)
            repeats = 10 if out_features > 100_000 else 50
            with torch.inference_mode():
                cells = [microseconds(lambda: F.linear(x, weight), repeats), microseconds(lambda: ao(x), repeats),
                         microseconds(lambda: torch._weight_int8pack_mm(x, qweight, scale.to(torch.bfloat16)), repeats),
                         microseconds(lambda: dynamic(x.float()).to(x.dtype), repeats),
                         microseconds(lambda: ours(x), repeats), microseconds(lambda: head(x), repeats)]
            print(f"| {out_features} x {in_features} | {rows} | " + " | ".join(f"{c:.0f}" for c in cells) + " |")


if __name__ == "__main__":
    lookups()
    linears()
