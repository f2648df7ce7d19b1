"""What a variant costs: parameters, bytes on disk, bytes of its tensors once loaded, generation speed.

Measured in this process, so the figures of several variants are comparable with one another
(``benchmarks/compress.py`` adds the resident memory of a fresh process per variant). Tensor
bytes count an int8 tensor by its int8 data plus its scales, and a tensor shared by two modules
(a tied head) once. Speed is greedy generation of a fixed number of new tokens for a fixed batch
of prompts, best of ``repeats`` after a warm-up, on whatever threads torch has.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from vertune.model.int8 import int8_footprint


@dataclass(frozen=True)
class Cost:
    parameters: int
    disk_bytes: int
    tensor_bytes: int
    tokens_per_second: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def disk_bytes(folder: Path) -> int:
    """Bytes of the weight files (``*.safetensors``, ``*.bin``) of a model folder."""
    return sum(p.stat().st_size for pattern in ("*.safetensors", "*.bin") for p in folder.glob(pattern))


def _size(tensor: torch.Tensor) -> tuple[int, int]:
    """(elements, bytes) of a tensor, an int8 torchao tensor by its data and scales."""
    data = getattr(tensor, "qdata", None)
    if data is not None:
        scale = tensor.scale
        return data.numel(), data.numel() * data.element_size() + scale.numel() * scale.element_size()
    return tensor.numel(), tensor.numel() * tensor.element_size()


def tensor_footprint(model: nn.Module) -> tuple[int, int]:
    """(parameters, bytes) of a loaded model's unique parameters and buffers, plus the weights the
    int8 CPU kernels hold outside them (``vertune.model.int8``)."""
    unique = {id(t): t for t in [*model.parameters(), *model.buffers()]}
    sizes = [_size(t) for t in unique.values()]
    parameters = sum(_size(p)[0] for p in {id(p): p for p in model.parameters()}.values())
    packed_parameters, packed_bytes = int8_footprint(model)
    return parameters + packed_parameters, sum(b for _, b in sizes) + packed_bytes


@torch.inference_mode()
def tokens_per_second(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str],
                      new_tokens: int = 32, repeats: int = 2) -> float:
    """Greedy generation speed: ``len(prompts) * new_tokens`` tokens over the best of ``repeats`` runs."""
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    try:
        batch = tokenizer(list(prompts), return_tensors="pt", padding=True).to(model.device)
    finally:
        tokenizer.padding_side = side
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    options = {"do_sample": False, "pad_token_id": pad}
    model.generate(**batch, max_new_tokens=2, **options)  # warm-up: first-call allocations
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        model.generate(**batch, max_new_tokens=new_tokens, min_new_tokens=new_tokens, **options)
        best = min(best, time.perf_counter() - start)
    return len(prompts) * new_tokens / best


def measure(folder: Path, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str]) -> Cost:
    """The cost of the variant saved in ``folder`` and loaded as ``model``."""
    parameters, tensors = tensor_footprint(model)
    return Cost(parameters, disk_bytes(folder), tensors, round(tokens_per_second(model, tokenizer, prompts), 1))
