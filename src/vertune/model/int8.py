"""Saved int8 weights, run fast on a CPU: what ``load_model`` puts under a torchao int8 model.

vertune stores int8 models in torchao's form (``compress/quantize.py``): int8 weights with one scale
per output row, which any machine loads through plain ``from_pretrained``. On a CPU torchao then
runs slower than the bf16 model it came from: its matmul dequantises the weight on every call
and its embedding lookup dequantises the whole table (0.9 s per generated token for Qwen3-0.6B's
151,936-row vocabulary): 0.51x of bf16's tokens/s at 5M parameters, 0.65x at 96M, 0.20x at
Qwen3-0.6B's shape (``benchmarks/RESULTS.md``). After the load, on a CPU, ``use_int8_kernels``
swaps in kernels that read the same int8 numbers (1.01x, 1.41x and 1.36x of bf16 there):

- **embeddings**: ``Int8RowLookup`` gathers the rows it needs (identical values);
- **linear layers**: ``Int8DynamicLinear``, PyTorch's dynamic-quantisation kernel (fbgemm, what
  ``torch.ao.quantization.quantize_dynamic`` runs), int8 activations times int8 weights, with two
  changes. fbgemm rounds a whole call's input with one scale, so one row of large activations
  (LLMs have such "massive activations" on a few tokens) leaves the other rows a few levels
  each: measured, 32-40% error on the other rows when one row is 50x larger. Each row is
  therefore divided by its own largest magnitude before the kernel and multiplied back after it,
  which is exact algebra and makes the one scale act as one scale per row (0.8% error on the
  same rows; skipped for a single row, where the two are the same). And all 8 bits of the activations are kept where the CPU has
  VNNI (``quantize_dynamic``'s module always drops one, ``reduce_range``, which only CPUs without
  VNNI need to avoid int16 overflow). fbgemm repacks the weight once; the torchao copy is
  released, so memory stays at one int8 copy;
- **a head tied to the int8 embedding**: ``Int8TiedHead``, the same int8 table multiplied with
  ``torch._int_mm`` after rounding each row of activations with its own scale, so the table is
  kept once (a repacked copy would add 13% of bf16's bytes at Qwen3-0.6B's shape).

The layers between them (norms, attention, the KV cache) then run in fp32: the kernels take and
return fp32, and converting to and from bf16 at every layer cost a quarter of the speed
(measured once at a 96M Qwen3 shape with a scratch script: 316 tokens/s with bf16 activations,
417 with fp32, the bf16 model 322). The weights stay int8; the KV cache takes twice bf16's
bytes, so at long contexts an int8 process can hold more memory than a bf16 one.

Quality: the activations are rounded to int8 per row where torchao kept them exact; the compress
stage measures every variant through this loader, so its tolerance gate judges the kernels that
serve, not the stored weights alone.
"""

from __future__ import annotations

import ctypes
import mmap
import sys

import torch
from torch import nn

MADV_DONTNEED = 4  # Linux


def is_torchao(quantization_config: object) -> bool:
    """Whether a model's ``quantization_config`` (the loaded object, or its dict in ``config.json``)
    is torchao's, the form ``compress.quantize.save_int8`` writes."""
    config = quantization_config
    method = config.get("quant_method") if isinstance(config, dict) else getattr(config, "quant_method", None)
    return str(getattr(method, "value", method)) == "torchao"


def tied_head(model: nn.Module) -> bool:
    """Whether the model's output head is its input embedding (one tensor)."""
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    embedding = model.get_input_embeddings() if hasattr(model, "get_input_embeddings") else None
    return head is not None and embedding is not None and head.weight is embedding.weight


def _rows_int8(weight: object, rows: int) -> bool:
    """A torchao int8 tensor with one scale per row (not float8, int4 or block-wise int8)."""
    data, scale = getattr(weight, "qdata", None), getattr(weight, "scale", None)
    return getattr(data, "dtype", None) == torch.int8 and scale is not None and scale.numel() == rows


class Int8RowLookup(nn.Module):
    """An int8 embedding looked up by row: the same tensor as ``weight``, so a head tied to it stays tied."""

    def __init__(self, embedding: nn.Embedding) -> None:
        super().__init__()
        self.weight = embedding.weight
        self.padding_idx = embedding.padding_idx

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        weight = self.weight
        return (weight.qdata[ids].float() * weight.scale.reshape(-1)[ids, None].float()).to(weight.dtype)


class Int8DynamicLinear(nn.Module):
    """A linear layer of int8 weights through fbgemm's dynamic int8 kernel (activations rounded per call)."""

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        weight = linear.weight
        self.in_features, self.out_features = linear.in_features, linear.out_features
        scale = weight.scale.reshape(-1).double()
        quantized = torch._make_per_channel_quantized_tensor(weight.qdata, scale,
                                                             torch.zeros_like(scale, dtype=torch.long), 0)
        self.packed = torch.ops.quantized.linear_prepack(quantized, None)
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().float())  # added after the row scales
        self.reduce_range = not getattr(torch.cpu, "_is_vnni_supported", lambda: False)()  # see the module doc
        # (elements, bytes) beyond the buffers: fbgemm keeps the int8 matrix and, per row, a scale, a
        # zero point and a column sum; the bias is a buffer, its bytes counted there, its elements here
        biases = 0 if linear.bias is None else linear.bias.numel()
        self.footprint = (weight.qdata.numel() + biases, weight.qdata.numel() + scale.numel() * 12)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.numel() == x.shape[-1]:  # one row: the kernel's one scale per call is its own
            try:
                y = torch.ops.quantized.linear_dynamic(x.float(), self.packed, reduce_range=self.reduce_range)
            except RuntimeError:  # fbgemm refuses a NaN or infinite input
                if torch.isfinite(x).all():
                    raise
                y = self._dequantised(x)
        else:
            # Every row divided by its largest magnitude first, multiplied back after: the one
            # scale per call then serves each row as its own scale would (see the module doc).
            rows = x.abs().amax(dim=-1, keepdim=True).float().clamp_(min=1e-12)
            if torch.isfinite(rows).all():
                y = torch.ops.quantized.linear_dynamic(x / rows, self.packed, reduce_range=self.reduce_range).mul_(rows)
            else:  # fbgemm would spread one row's NaN or inf over the whole batch's quantisation
                y = self._dequantised(x)
        if self.bias is not None:
            y += self.bias
        return y.to(x.dtype)

    def _dequantised(self, x: torch.Tensor) -> torch.Tensor:
        """The float matmul, as a float layer would do it: a NaN or inf stays in its own row."""
        return x.float() @ torch.ops.quantized.linear_unpack(self.packed)[0].dequantize().t()

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, int8 x int8 (fbgemm)"


class Int8TiedHead(nn.Module):
    """The output head as the int8 embedding it is tied to: activations rounded per row, ``torch._int_mm``."""

    def __init__(self, head: nn.Linear) -> None:
        super().__init__()
        self.weight = head.weight  # the embedding's tensor: still tied, stored once
        self.bias = head.bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.reshape(-1, x.shape[-1]).float()
        step = rows.abs().amax(dim=1, keepdim=True).clamp_(min=1e-12).div_(127)
        product = torch._int_mm(torch.round(rows / step).to(torch.int8), self.weight.qdata.t())
        logits = (product * self.weight.scale.reshape(1, -1).float()).mul_(step)
        if self.bias is not None:
            logits += self.bias.float()
        return logits.to(x.dtype).reshape(*x.shape[:-1], self.weight.shape[0])


def use_int8_kernels(model: nn.Module) -> int:
    """Swap a CPU model's torchao int8 embeddings, linear layers and tied head for the modules
    above (see the module doc); returns how many modules were swapped."""
    tied = tied_head(model)
    head = model.get_output_embeddings() if tied else None
    swapped, repacked = 0, []
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            weight = getattr(child, "weight", None)
            if isinstance(child, nn.Embedding) and _rows_int8(weight, child.num_embeddings):
                replacement: nn.Module = Int8RowLookup(child)
            elif isinstance(child, nn.Linear) and _rows_int8(weight, child.out_features):
                replacement = Int8TiedHead(child) if tied and child is head else Int8DynamicLinear(child)
                if isinstance(replacement, Int8DynamicLinear):
                    repacked.append((weight.qdata.data_ptr(), weight.qdata.numel()))
            else:
                continue
            setattr(parent, name, replacement)
            swapped += 1
    _release_repacked_pages(repacked)
    return swapped


def _release_repacked_pages(sources: list[tuple[int, int]]) -> None:
    """Give the memory the repacked weights were read from back to the system (Linux, glibc).

    safetensors maps the weight file into memory, and that mapping outlives the torchao tensors
    the swap drops; the pages fbgemm read while repacking stay resident, so the process would
    hold the int8 weights twice (measured at a 96M shape: 193 MB resident after the swap, 99 MB
    after this). Pages lying wholly inside a repacked tensor's bytes and inside a mapping of a
    ``.safetensors`` file are dropped (``madvise``: clean file pages, re-read from the file were
    they ever touched again; nothing live lies on them), then glibc returns the freed packing
    buffers (``malloc_trim``). Anywhere else this does nothing."""
    if not sys.platform.startswith("linux") or not sources:
        return
    libc = ctypes.CDLL(None)  # the C library the process already runs on
    with open("/proc/self/maps", encoding="utf-8") as maps:
        mapped = [tuple(int(x, 16) for x in line.split()[0].split("-")) for line in maps
                  if line.rstrip().endswith(".safetensors")]
    page = mmap.PAGESIZE
    for start, size in sources:
        low, high = -(-start // page) * page, (start + size) // page * page
        if high > low and any(first <= low and high <= last for first, last in mapped):
            libc.madvise(ctypes.c_void_p(low), ctypes.c_size_t(high - low), MADV_DONTNEED)
    if hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def int8_footprint(model: nn.Module) -> tuple[int, int]:
    """(elements, bytes) held by ``Int8DynamicLinear`` modules, whose weights are no parameters."""
    modules = [m for m in model.modules() if isinstance(m, Int8DynamicLinear)]
    return sum(m.footprint[0] for m in modules), sum(m.footprint[1] for m in modules)
