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
from packaging.version import Version
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from vertune.model.embedded import embedded_path
from vertune.model.int8 import is_torchao, use_int8_kernels
from vertune.model.spec import EMBEDDED_PREFIX, is_embedded, looks_like_path
from vertune.quiet import quiet_libraries

ADAPTER_CONFIG = "adapter_config.json"
# transformers 4.56 renamed from_pretrained's ``torch_dtype`` to ``dtype`` and deprecated the old name.
DTYPE_KWARG = "dtype" if Version(transformers.__version__) >= Version("4.56") else "torch_dtype"


def _int8_folder(path: str) -> bool:
    """Whether ``path`` is a local folder of torchao int8 weights (``compress.quantize.save_int8``)."""
    config = Path(path) / "config.json"
    if not config.is_file():
        return False
    return is_torchao(json.loads(config.read_text(encoding="utf-8")).get("quantization_config") or {})


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
    int8_kernels: bool = True,
    **options: Any,
) -> PreTrainedModel | PeftModel:
    """Load a causal LM from any model spec, or a PEFT adapter folder on top of its base.

    ``dtype="auto"`` keeps the checkpoint's dtype, except that an int8 folder on a CPU computes
    in fp32 around its int8 weights (``vertune.model.int8``). ``device_map="auto"`` spreads the model over
    GPUs; without CUDA it is dropped so the model simply loads on the CPU. ``int8_kernels=False``
    keeps torchao's own modules, which peft can wrap and which backpropagate: what training and an
    adapter on an int8 base need. ``options`` go to ``from_pretrained`` (e.g. ``quantization_config``).
    """
    quiet_libraries()  # a 5M model's load needs no progress bar; library users get the same quiet
    path = resolve_model_path(spec)
    base = adapter_base(path)
    if base is not None:
        loaded = load_model(base, dtype=dtype, device_map=device_map, trust_remote_code=trust_remote_code,
                            int8_kernels=False, **options)
        return PeftModel.from_pretrained(loaded, path)
    if device_map == "auto" and not torch.cuda.is_available():
        device_map = None
    if dtype == "auto" and device_map is None and int8_kernels and _int8_folder(path):
        dtype = torch.float32  # int8 weights stay int8; the CPU kernels take fp32 (see int8.py)
    model = AutoModelForCausalLM.from_pretrained(
        path,
        device_map=device_map,
        trust_remote_code=trust_remote_code,
        **{DTYPE_KWARG: _torch_dtype(dtype)},
        **options,
    )
    model.name_or_path = model.config.name_or_path = spec  # what an adapter records as its base
    if int8_kernels and getattr(model.config, "quantization_config", None) is not None and model.device.type == "cpu":
        use_int8_kernels(model)  # vertune's int8 (torchao) folders: CPU kernels faster than torchao's (see int8.py)
    return model
