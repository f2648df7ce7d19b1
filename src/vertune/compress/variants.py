"""The compressed variants of a tuned model, each saved as an ordinary model folder.

Every variant starts from ``merged``: the tuned weights as one standalone model (a LoRA adapter
folded into its base, a full fine-tune as it is) in bf16, the dtype a model is served in and the
reference the issue's "about half of FP16's memory" is measured against. From it:

- ``int8``: every linear layer and the embedding as int8 weights (``quantize.py``);
- ``pruned``: ``prune_ratio`` of every MLP block's neurons removed by their Wanda score on
  calibration text (``prune.py``), saved with the smaller ``intermediate_size``;
- ``pruned_int8``: the pruned model quantised.

Each folder loads with plain ``from_pretrained`` (int8 needs torchao installed) and carries the
tokenizer, so it can be published, pulled and served as it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import torch
from peft import PeftModel
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from vertune.atomic import atomic_dir
from vertune.compress.prune import neuron_importance, prune_mlp
from vertune.compress.quantize import quantize_int8, save_int8
from vertune.model.loading import adapter_base, load_model, load_tokenizer

MERGED, INT8, PRUNED, PRUNED_INT8 = "merged", "int8", "pruned", "pruned_int8"
CALIBRATION_BATCH = 8


def save_merged(tuned: Path, folder: Path, base: str | None = None, trust_remote_code: bool = False) -> Path:
    """The tuned model as one bf16 folder: an adapter merged into ``base`` (default: the base its
    config names), a model folder cast as it is."""
    if adapter_base(tuned) is not None:
        model = load_model(base or adapter_base(tuned), dtype=torch.float32, trust_remote_code=trust_remote_code)
        model = PeftModel.from_pretrained(model, str(tuned)).merge_and_unload()  # merged in fp32, then rounded once
        tokenizer = load_tokenizer(str(tuned), trust_remote_code)
    else:
        model = load_model(str(tuned), dtype=torch.float32, trust_remote_code=trust_remote_code)
        tokenizer = load_tokenizer(str(tuned), trust_remote_code)
    return _save(model.to(torch.bfloat16), tokenizer, folder)


def save_int8_variant(source: Path, folder: Path) -> Path:
    """``source`` (a bf16 model folder) with int8 weights (see ``quantize.py``)."""
    model = load_model(str(source), dtype=torch.bfloat16)
    with atomic_dir(folder) as tmp:
        save_int8(quantize_int8(model), tmp)
        load_tokenizer(str(source)).save_pretrained(tmp)
    return folder


def save_pruned(source: Path, folder: Path, ratio: float, calibration: Sequence[str], max_length: int = 512) -> Path:
    """``source`` with ``ratio`` of its MLP neurons removed, scored on ``calibration`` texts."""
    if not calibration:
        raise ValueError("pruning needs calibration text (the prepared training samples); there is none")
    model = load_model(str(source), dtype=torch.float32)  # scores and slicing in fp32, saved as bf16
    tokenizer = load_tokenizer(str(source))
    prune_mlp(model, ratio, neuron_importance(model, _batches(tokenizer, calibration, max_length)))
    return _save(model.to(torch.bfloat16), tokenizer, folder)


def _batches(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], max_length: int) -> Iterator[dict[str, torch.Tensor]]:
    for start in range(0, len(texts), CALIBRATION_BATCH):
        yield tokenizer(list(texts[start : start + CALIBRATION_BATCH]), return_tensors="pt", padding=True,
                        truncation=True, max_length=max_length)


def _save(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, folder: Path) -> Path:
    with atomic_dir(folder) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
    return folder
