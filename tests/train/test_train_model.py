"""Which weights train: LoRA targets, full fine-tuning, QLoRA's requirements, dropout override."""

from __future__ import annotations

import importlib.util

import pytest
import torch
from peft import PeftModel
from train_samples import tiny_config

from vertune.train.model import QLoRAUnavailable, build_model, count_parameters


def trainable_names(model: torch.nn.Module) -> set[str]:
    return {name for name, p in model.named_parameters() if p.requires_grad}


def test_lora_trains_only_adapters_on_the_configured_modules() -> None:
    model, tokenizer = build_model(tiny_config(), precision="bf16")
    names = trainable_names(model)
    assert isinstance(model, PeftModel) and tokenizer.pad_token_id is not None
    assert names and all("lora_" in n and ("q_proj" in n or "v_proj" in n) for n in names)
    assert all(p.dtype == torch.float32 for p in model.parameters() if p.requires_grad)


def test_all_linear_reaches_the_mlp_too() -> None:
    config = tiny_config()
    config.lora.target_modules = "all-linear"
    names = trainable_names(build_model(config, precision="no")[0])
    assert any("mlp.down_proj" in n for n in names) and any("o_proj" in n for n in names)


def test_full_fine_tuning_trains_every_weight_in_fp32() -> None:
    model, _ = build_model(tiny_config(method="full"), precision="bf16")
    trainable, total = count_parameters(model)
    assert trainable == total and model.dtype == torch.float32


def test_hidden_dropout_and_gradient_checkpointing_are_applied() -> None:
    model, _ = build_model(tiny_config(hidden_dropout=0.2, gradient_checkpointing=True), precision="no")
    base = model.get_base_model()
    assert base.config.attention_dropout == 0.2
    assert all(layer.self_attn.attention_dropout == 0.2 for layer in base.model.layers)
    assert any(getattr(m, "gradient_checkpointing", False) for m in base.modules()) and base.config.use_cache is False
    assert model.peft_config["default"].lora_dropout == 0.1  # LoRA keeps its own dropout


@pytest.mark.skipif(torch.cuda.is_available() and importlib.util.find_spec("bitsandbytes") is not None,
                    reason="QLoRA can run here")
def test_qlora_without_cuda_or_bitsandbytes_says_what_is_missing() -> None:
    with pytest.raises(QLoRAUnavailable, match="qlora' needs .*use method 'lora'"):
        build_model(tiny_config(method="qlora"), precision="bf16")
