"""Precision choice and out-of-memory detection."""

from __future__ import annotations

import pytest
import torch

from vertune.train import device
from vertune.train.device import is_out_of_memory, resolve_precision


def test_auto_precision_uses_bf16_only_where_it_is_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(device, "cpu_has_fast_bf16", lambda: True)
    assert resolve_precision("auto", cuda=False) == "bf16"
    monkeypatch.setattr(device, "cpu_has_fast_bf16", lambda: False)
    assert resolve_precision("auto", cuda=False) == "no"
    assert resolve_precision("fp32", cuda=False) == "no" and resolve_precision("bf16", cuda=False) == "bf16"


def test_fp16_needs_a_gpu() -> None:
    with pytest.raises(ValueError, match="needs a CUDA GPU"):
        resolve_precision("fp16", cuda=False)


def test_out_of_memory_is_recognised_by_type_or_message() -> None:
    assert is_out_of_memory(torch.cuda.OutOfMemoryError("CUDA out of memory"))
    assert is_out_of_memory(RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried... out of memory"))
    assert not is_out_of_memory(RuntimeError("shape mismatch"))
    assert not is_out_of_memory(ValueError("out of memory"))
