"""The model to train: the base model, then LoRA / QLoRA adapters, or every weight trainable.

The base loads through ``vertune.model.loading`` like everywhere else (hub id, local folder or
``embedded:<name>``). Trainable weights are always fp32 (peft keeps adapters fp32; full
fine-tuning loads fp32), so mixed precision only changes how matmuls run, never what is stored.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch
from accelerate import PartialState
from peft import LoraConfig as PeftLoraConfig
from peft import PeftModel, get_peft_model, prepare_model_for_kbit_training
from torch import nn
from transformers import BitsAndBytesConfig, PreTrainedModel, PreTrainedTokenizerBase

from vertune.config import Config
from vertune.model.loading import load_model, load_tokenizer
from vertune.train.device import Precision

# Config attributes that set dropout in common architectures (Qwen/Llama use attention_dropout).
DROPOUT_KEYS = ("attention_dropout", "hidden_dropout", "hidden_dropout_prob", "attention_probs_dropout_prob",
                "resid_pdrop", "embd_pdrop", "attn_pdrop", "dropout")


class QLoRAUnavailable(RuntimeError):
    """QLoRA was asked for where 4-bit kernels cannot run."""


def build_model(config: Config, precision: Precision, start_from: Path | None = None,
                ) -> tuple[PreTrainedModel | PeftModel, PreTrainedTokenizerBase]:
    """Load the base model and make the configured weights trainable.

    ``start_from`` continues an earlier run (the adapter folder for LoRA, the model folder for
    full fine-tuning), e.g. SFT after continued pretraining.
    """
    method, spec = config.training.method, config.model.base
    tokenizer = load_tokenizer(spec, trust_remote_code=config.model.trust_remote_code)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    if method == "qlora":
        model = _load_4bit(config)
    else:
        source = str(start_from) if method == "full" and start_from else spec
        # Full fine-tuning keeps fp32 master weights; frozen LoRA bases may stay in their own dtype.
        dtype = "float32" if method == "full" or precision == "no" else config.model.dtype
        model = load_model(source, dtype=dtype, device_map=_device_map(config),
                           trust_remote_code=config.model.trust_remote_code, int8_kernels=False)  # trainable modules
    if config.training.hidden_dropout is not None:
        override_dropout(model, config.training.hidden_dropout)
    if config.training.gradient_checkpointing:
        _enable_checkpointing(model)
        model.config.use_cache = False
    if method == "full":
        model.requires_grad_(True)
        return model, tokenizer
    if start_from:
        return PeftModel.from_pretrained(model, str(start_from), is_trainable=True), tokenizer
    lora = config.lora
    adapter = PeftLoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout, bias=lora.bias,
                             target_modules=lora.target_modules, task_type="CAUSAL_LM")
    return get_peft_model(model, adapter), tokenizer


def override_dropout(model: nn.Module, p: float) -> None:
    """Set every dropout of the base model to ``p`` (call before adding adapters: LoRA keeps its own)."""
    for key in DROPOUT_KEYS:
        if hasattr(model.config, key):
            setattr(model.config, key, p)
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = p
        if isinstance(getattr(module, "attention_dropout", None), float):
            module.attention_dropout = p


def _enable_checkpointing(model: PreTrainedModel) -> None:
    """Recompute activations in the backward pass (transformers 5 renamed the method)."""
    kwargs = {"use_reentrant": False}  # the non-reentrant variant needs no input gradients
    if hasattr(model, "activation_checkpointing_enable"):
        model.activation_checkpointing_enable(kwargs)
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, sum(p.numel() for p in model.parameters())


def _device_map(config: Config) -> str | dict[str, int] | None:
    """The config's device map in one process; one whole replica per GPU under ``accelerate launch``."""
    state = PartialState()
    if state.num_processes == 1:
        return config.model.device_map
    return {"": state.local_process_index} if config.training.method == "qlora" else None


def _load_4bit(config: Config) -> PreTrainedModel:
    """The base in 4-bit NF4 with bf16 compute (QLoRA); needs CUDA and bitsandbytes."""
    missing = [what for what, ok in (("a CUDA GPU", torch.cuda.is_available()),
                                     ("the bitsandbytes package", importlib.util.find_spec("bitsandbytes") is not None)) if not ok]
    if missing:
        raise QLoRAUnavailable(f"training.method 'qlora' needs {' and '.join(missing)}; use method 'lora' here")
    quantization = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                                      bnb_4bit_compute_dtype=torch.bfloat16)
    model = load_model(config.model.base, dtype=torch.bfloat16, device_map=_device_map(config),
                       trust_remote_code=config.model.trust_remote_code, quantization_config=quantization)
    return prepare_model_for_kbit_training(model, use_gradient_checkpointing=config.training.gradient_checkpointing)
