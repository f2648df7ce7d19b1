"""INT8 weights: half the bytes of bf16 on disk and in memory, loaded by ``from_pretrained``.

The saved form is torchao's (``Int8WeightOnlyConfig``: int8 weights with one scale per output
channel), in safetensors, with a ``TorchAoConfig`` in ``config.json``: any machine with torchao
loads the folder through plain ``AutoModelForCausalLM.from_pretrained``, no pickle involved.
torchao is the PyTorch team's quantisation library and what transformers integrates first;
optimum-quanto is in maintenance mode.

Two things the library path does not do, done here:

- **Embeddings too.** A small model's (tied) embedding is a large share of it: 40% of the
  embedded 5M model, 26% of Qwen3-0.6B, so quantising only the linear layers leaves the file at
  71% (measured: 6.74 of 9.45 MB) and 63% of bf16. The embedding is quantised once and the
  output head stays tied to it. transformers' ``save_pretrained`` cannot save a tied tensor
  subclass (it asks the subclass for its storage pointer and fails), so ``save_int8`` writes the
  flattened state dict itself, as transformers does for every other torchao tensor.
- **Embedding lookups by row.** torchao's int8 ``F.embedding`` dequantises the whole table on
  every call (757 ms per generated token for Qwen3-0.6B's 151,936-row table here): vertune's loader
  (``vertune.model.loading.gather_int8_embeddings``) looks rows up instead, with the same weights
  and the same logits. Plain ``from_pretrained`` keeps torchao's lookup.
- **A faster CPU kernel, not yet a win.** torchao's weight-only int8 matmul dequantises on the
  fly: 0.58-0.64x of bf16's tokens/s here (``benchmarks/RESULTS.md``). ``fast_int8_linears`` gives
  each int8 linear layer PyTorch's dynamic-quantisation kernel (int8 activations x the same int8
  weights): 1.04x of bf16 on a 96M Qwen3 shape, 0.62x on the 5M model. It unties the head (a
  packed second copy of the embedding: 0.72 of bf16's tensor bytes on the 5M model) and rounds
  activations per tensor (+6.5% loss on the 5M model), so nothing uses it by default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file
from torch import nn

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
    tied = _tied(model)
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
    if _tied(model):  # the head is the embedding: stored once, tied again on load
        head = model.get_output_embeddings()
        state.pop(next(f"{name}.weight" for name, module in model.named_modules() if module is head))
    tensors, metadata = flatten_tensor_state_dict(state)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(folder / WEIGHTS), metadata=metadata)
    model.config.quantization_config = TorchAoConfig(quantization.Int8WeightOnlyConfig(),
                                                     include_input_output_embeddings=True)
    model.config.save_pretrained(folder)
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.save_pretrained(folder)
    return folder


def is_int8(model: nn.Module) -> bool:
    """Whether a loaded model holds torchao int8 weights (an ``save_int8`` folder)."""
    config = getattr(getattr(model, "config", None), "quantization_config", None)
    method = config.get("quant_method") if isinstance(config, dict) else getattr(config, "quant_method", None)
    return str(getattr(method, "value", method)) == "torchao"


@torch.no_grad()
def fast_int8_linears(model: nn.Module) -> int:
    """Swap every int8 linear layer for PyTorch's dynamically quantised one, with the same int8
    weights and scales (CPU inference); returns how many were swapped."""
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    swapped = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            weight = getattr(child, "weight", None)
            if not isinstance(child, nn.Linear) or getattr(getattr(weight, "qdata", None), "dtype", None) != torch.int8:
                continue  # only int8 weights with one scale per output channel (not float8 or int4)
            if weight.scale.numel() != child.out_features:
                continue
            scale = weight.scale.reshape(-1).double()
            zero = torch.zeros(scale.numel(), dtype=torch.long)
            qweight = torch._make_per_channel_quantized_tensor(weight.qdata, scale, zero, 0)
            fast = DynamicLinear(child.in_features, child.out_features, bias_=child.bias is not None, dtype=torch.qint8)
            fast.set_weight_bias(qweight, None if child.bias is None else child.bias.float())
            setattr(parent, name, _SameDtype(fast))
            swapped += 1
    return swapped


class _SameDtype(nn.Module):
    """A dynamic int8 linear takes and returns float32; the model around it may run in bf16."""

    def __init__(self, linear: nn.Module) -> None:
        super().__init__()
        self.linear = linear

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.float()).to(x.dtype)


def _tied(model: nn.Module) -> bool:
    head, embedding = model.get_output_embeddings(), model.get_input_embeddings()
    return head is not None and embedding is not None and head.weight is embedding.weight

