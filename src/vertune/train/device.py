"""What the machine can do: CPU threads, the mixed precision to use, out-of-memory errors."""

from __future__ import annotations

import gc
import os
from typing import Literal

import torch

Precision = Literal["no", "bf16", "fp16"]  # the names accelerate's ``mixed_precision`` takes


def cpu_cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's total)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def cpu_has_fast_bf16() -> bool:
    """True when oneDNN has bf16 kernels here (AVX512-BF16 / AMX), where bf16 matmuls beat fp32."""
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def resolve_precision(precision: str, cuda: bool) -> Precision:
    """Turn the config's ``precision`` into accelerate's ``mixed_precision``.

    ``auto`` means bf16 autocast wherever it is fast (a bf16 GPU, or a CPU with bf16 matmul
    kernels), fp16 on older GPUs, fp32 otherwise. Master weights stay fp32 in every case.
    """
    if precision == "fp32":
        return "no"
    if precision == "fp16":
        if not cuda:
            raise ValueError("precision 'fp16' needs a CUDA GPU; use 'bf16' or 'auto' on the CPU")
        return "fp16"
    if precision == "bf16":
        return "bf16"
    if cuda:
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return "bf16" if cpu_has_fast_bf16() else "no"


def is_out_of_memory(error: BaseException) -> bool:
    """A CUDA OOM, or a RuntimeError whose message says the memory ran out (CPU, MPS, others)."""
    if isinstance(error, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(error, RuntimeError) and "out of memory" in str(error).lower()


def release_memory() -> None:
    """Give freed tensors back after an OOM so the retry starts from a clean allocator."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
