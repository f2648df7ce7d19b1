"""One way to load every model: embedded, local folder or hub id all go through ``from_pretrained``.

Embedded models are only built into a cache folder here; they are then loaded exactly like any
other checkpoint, so the code paths exercised in tests are the ones used with real models.

A loaded model is named by its spec (``model.name_or_path``), not by the folder it was read
from, so what peft writes into an adapter's ``base_model_name_or_path`` is ``embedded:tiny-qwen3``
or the hub id, which another machine can resolve, never this machine's cache path. A PEFT
adapter folder loads here too: its base resolves through ``resolve_model_path`` (so
``embedded:`` bases work, which ``from_pretrained`` alone cannot do).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
import transformers
from torch import nn
from packaging.version import Version
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from vertune.model.embedded import embedded_path
from vertune.model.spec import EMBEDDED_PREFIX, is_embedded, looks_like_path
from vertune.quiet import quiet_libraries

ADAPTER_CONFIG = "adapter_config.json"
# transformers 4.56 renamed from_pretrained's ``torch_dtype`` to ``dtype`` and deprecated the old name.
DTYPE_KWARG = "dtype" if Version(transformers.__version__) >= Version("4.56") else "torch_dtype"


class ModelNotFound(FileNotFoundError):
    """A model spec that can only be a folder names no folder."""


def resolve_model_path(spec: str, cache_dir: Path | None = None) -> str:
    """Turn a config's ``model:`` value into what ``from_pretrained`` accepts.

    ``embedded:<name>`` becomes its built folder (under ``cache_dir``, default
    ``$VERTUNE_CACHE``), an existing local folder stays itself, a spec that can only be a
    folder (``./m``, ``/models/x``) but is none fails here, anything else is a hub id.
    """
    if is_embedded(spec):
        return str(embedded_path(spec.removeprefix(EMBEDDED_PREFIX), cache_dir))
    local = Path(spec).expanduser()
    if local.is_dir():
        return str(local)
    if looks_like_path(spec):
        what = "is a file, not a model folder" if local.exists() else "does not exist"
        raise ModelNotFound(f"model {spec}: the folder {local.resolve()} {what} "
                            "(give a model folder, a hub id such as Qwen/Qwen3-0.6B, or embedded:tiny-qwen3)")
    return spec


def adapter_base(path: str | Path) -> str | None:
    """The base model spec a PEFT adapter folder names, or None when ``path`` is no adapter folder."""
    config = Path(path) / ADAPTER_CONFIG
    return json.loads(config.read_text(encoding="utf-8"))["base_model_name_or_path"] if config.is_file() else None


def load_tokenizer(spec: str, trust_remote_code: bool = False) -> PreTrainedTokenizerBase:
    """Load the tokenizer (with its chat template) of any model spec; an adapter without one uses its base's."""
    path = resolve_model_path(spec)
    base = adapter_base(path)
    if base is not None and not (Path(path) / "tokenizer_config.json").is_file():
        return load_tokenizer(base, trust_remote_code)
    return AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)


def _torch_dtype(dtype: str | torch.dtype) -> str | torch.dtype:
    if isinstance(dtype, torch.dtype) or dtype == "auto":
        return dtype
    resolved = getattr(torch, dtype, None)
    if not isinstance(resolved, torch.dtype):
        raise ValueError(f"unknown dtype {dtype!r}; use 'auto' or a torch dtype name such as 'bfloat16'")
    return resolved


def load_model(
    spec: str,
    *,
    dtype: str | torch.dtype = "auto",
    device_map: str | dict[str, int] | None = None,
    trust_remote_code: bool = False,
    **options: Any,
) -> PreTrainedModel | PeftModel:
    """Load a causal LM from any model spec, or a PEFT adapter folder on top of its base.

    ``dtype="auto"`` keeps the checkpoint's dtype. ``device_map="auto"`` spreads the model over
    GPUs; without CUDA it is dropped so the model simply loads on the CPU. ``options`` go to
    ``from_pretrained`` (e.g. ``quantization_config``).
    """
    quiet_libraries()  # a 5M model's load needs no progress bar; library users get the same quiet
    path = resolve_model_path(spec)
    base = adapter_base(path)
    if base is not None:
        loaded = load_model(base, dtype=dtype, device_map=device_map, trust_remote_code=trust_remote_code, **options)
        return PeftModel.from_pretrained(loaded, path)
    if device_map == "auto" and not torch.cuda.is_available():
        device_map = None
    model = AutoModelForCausalLM.from_pretrained(
        path,
        device_map=device_map,
        trust_remote_code=trust_remote_code,
        **{DTYPE_KWARG: _torch_dtype(dtype)},
        **options,
    )
    model.name_or_path = model.config.name_or_path = spec  # what an adapter records as its base
    if getattr(model.config, "quantization_config", None) is not None:  # e.g. vertune's int8 (torchao) folders
        gather_int8_embeddings(model)
    return model


class Int8RowLookup(nn.Module):
    """An int8 embedding (torchao tensor: ``qdata`` rows and one ``scale`` per row) looked up by row.

    torchao's ``F.embedding`` on an int8 weight dequantises the whole table on every call: 757 ms
    per lookup for Qwen3-0.6B's 151,936 x 1,024 table on this CPU, once per generated token, where
    gathering the rows it needs takes 0.14 ms. The weight is the same tensor, so a head tied to it
    stays tied.
    """

    def __init__(self, embedding: nn.Embedding) -> None:
        super().__init__()
        self.weight = embedding.weight
        self.padding_idx = embedding.padding_idx

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        weight = self.weight
        return (weight.qdata[ids].float() * weight.scale[ids].float()).to(weight.dtype)


def gather_int8_embeddings(model: nn.Module) -> int:
    """Swap every int8 embedding (per-row scales) for ``Int8RowLookup``; returns how many."""
    swapped = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            weight = getattr(child, "weight", None)
            scale = getattr(weight, "scale", None)
            if (isinstance(child, nn.Embedding) and getattr(getattr(weight, "qdata", None), "dtype", None) == torch.int8
                    and scale is not None and scale.shape[0] == child.num_embeddings):
                setattr(parent, name, Int8RowLookup(child))
                swapped += 1
    return swapped
