"""What a run leaves behind: the adapter (or full model), an optional merged model, the report.

``adapter/`` is a plain PEFT folder (``adapter_config.json`` + ``adapter_model.safetensors``):
``PeftModel.from_pretrained(base, "adapter")`` loads it, and vLLM serves it with
``--enable-lora --lora-modules name=adapter``. ``merged/`` is an ordinary model folder. The
adapter's ``base_model_name_or_path`` is the config's spec (``embedded:tiny-qwen3``, a hub id), as
``vertune.model.loading`` names every model it loads, so another machine can resolve it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch
from peft import PeftModel
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from vertune.atomic import atomic_dir
from vertune.model.loading import load_model, load_tokenizer, resolve_model_path
from vertune.workspace import file_sha256

ADAPTER, FULL_MODEL, MERGED, REPORT = "adapter", "model", "merged", "training_report.json"


def export_weights(model: PreTrainedModel | PeftModel, weights: dict[str, torch.Tensor],
                   tokenizer: PreTrainedTokenizerBase, output_dir: Path) -> Path:
    """Save ``weights`` (the trainable ones) as an adapter, or as a full model for full fine-tuning.

    vertune never resizes the vocabulary, so peft need not look the base up (on the hub, for a
    hub id) to decide whether to save the embeddings.
    """
    is_adapter = isinstance(model, PeftModel)
    with atomic_dir(output_dir / (ADAPTER if is_adapter else FULL_MODEL)) as folder:
        if is_adapter:
            model.save_pretrained(folder, state_dict=weights, save_embedding_layers=False)
        else:
            model.save_pretrained(folder, state_dict=weights)
            tokenizer.save_pretrained(folder)
    return output_dir / (ADAPTER if is_adapter else FULL_MODEL)


def merge_adapter(base: str, adapter_dir: Path, output_dir: Path, trust_remote_code: bool = False) -> Path:
    """Fold a LoRA adapter into its base weights and save a standalone model with the tokenizer."""
    model = load_model(base, dtype="auto", trust_remote_code=trust_remote_code)
    merged = PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()
    with atomic_dir(output_dir) as folder:
        merged.save_pretrained(folder)
        load_tokenizer(base, trust_remote_code=trust_remote_code).save_pretrained(folder)
    return output_dir


def base_model_hash(spec: str, commit: str | None) -> str:
    """Identity of the base weights: a hash of the folder's files, or hub id @ resolved commit."""
    path = Path(resolve_model_path(spec))
    if not path.is_dir():
        return f"hub:{spec}@{commit or 'unknown'}"
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{file.relative_to(path)}\0{file_sha256(file)}\n".encode())
    return f"sha256:{digest.hexdigest()}"
