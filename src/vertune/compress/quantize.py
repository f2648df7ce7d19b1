"""INT8 weights: half the bytes of bf16 on disk and in memory, loaded by ``from_pretrained``.

The saved form is torchao's (``Int8WeightOnlyConfig``: int8 weights with one scale per output
channel), in safetensors, with a ``TorchAoConfig`` in ``config.json``: any machine with torchao
loads the folder through plain ``AutoModelForCausalLM.from_pretrained``, no pickle involved.
torchao is the PyTorch team's quantisation library and what transformers integrates first;
optimum-quanto is in maintenance mode.

What the library path does not do, done here:

- **Embeddings too.** A small model's (tied) embedding is a large share of it: 40% of the
  embedded 5M model, 26% of Qwen3-0.6B, so quantising only the linear layers leaves the file at
  71% (measured: 6.74 of 9.45 MB) and 63% of bf16. The embedding is quantised once and the
  output head stays tied to it. transformers' ``save_pretrained`` cannot save a tied tensor
  subclass (it asks the subclass for its storage pointer and fails), so ``save_int8`` writes the
  flattened state dict itself, as transformers does for every other torchao tensor.
- **Speed on a CPU.** torchao's int8 kernels are slower there than bf16 (they dequantise);
  vertune's loader runs the same int8 numbers through faster CPU kernels
  (``vertune.model.int8``). Plain ``from_pretrained`` keeps torchao's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from safetensors.torch import save_file
from torch import nn

from vertune.model.int8 import is_torchao, tied_head
from vertune.quiet import quiet_libraries

WEIGHTS = "model.safetensors"


def _torchao() -> Any:
    quiet_libraries()  # torchao logs its CUDA kernels failing to load on a CPU machine
    import torchao.quantization

    return torchao.quantization


def quantize_int8(model: nn.Module) -> nn.Module:
    """Every linear layer and the input embedding to int8 weights, in place; a tied output
    head keeps sharing the (now int8) embedding. Returns ``model``."""
    quantization = _torchao()
    tied = tied_head(model)
    head = model.get_output_embeddings()
    quantization.quantize_(model, quantization.Int8WeightOnlyConfig(),
                           filter_fn=lambda module, _fqn: isinstance(module, nn.Embedding)
                           or (isinstance(module, nn.Linear) and not (tied and module is head)))
    if tied:
        head.weight = model.get_input_embeddings().weight
    return model


def save_int8(model: nn.Module, folder: Path) -> Path:
    """Write a ``quantize_int8`` model as safetensors plus a config that ``from_pretrained`` reads."""
    if not hasattr(model.get_input_embeddings().weight, "qdata"):
        raise ValueError("save_int8 writes a model that quantize_int8 has quantised; this one is not")
    from torchao.prototype.safetensors.safetensors_support import flatten_tensor_state_dict
    from transformers import TorchAoConfig

    quantization = _torchao()
    folder.mkdir(parents=True, exist_ok=True)
    state = model.state_dict()
    if tied_head(model):  # the head is the embedding: stored once, tied again on load
        head = model.get_output_embeddings()
        state.pop(next(f"{name}.weight" for name, module in model.named_modules() if module is head))
    tensors, metadata = flatten_tensor_state_dict(state)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(folder / WEIGHTS), metadata=metadata)
    _sort_header(folder / WEIGHTS)
    model.config.quantization_config = TorchAoConfig(quantization.Int8WeightOnlyConfig(),
                                                     include_input_output_embeddings=True)
    model.config.save_pretrained(folder)
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.save_pretrained(folder)
    return folder


def _sort_header(path: Path) -> None:
    """Rewrite a safetensors file's JSON header with its keys sorted, in place.

    safetensors writes the metadata (torchao's one entry per tensor) from a Rust hash map, in an
    order that changes from process to process, so the same model quantised twice gave different
    bytes, and the registry, which tells versions apart by their bytes, published it twice. The
    sorted header is as long or shorter (padded with spaces, as the format allows) and names the
    same tensors at the same offsets."""
    with open(path, "r+b") as handle:
        size = int.from_bytes(handle.read(8), "little")
        header = json.loads(handle.read(size))
        text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        if len(text) > size:  # safetensors writes compact JSON: sorting it cannot make it longer
            raise ValueError(f"{path}: the sorted safetensors header is longer than the one written")
        handle.seek(8)
        handle.write(text.ljust(size))


def is_int8(model: nn.Module) -> bool:
    """Whether a loaded model holds torchao int8 weights (an ``save_int8`` folder)."""
    return is_torchao(getattr(getattr(model, "config", None), "quantization_config", None))

