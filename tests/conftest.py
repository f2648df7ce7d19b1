"""Test helpers shared by several test folders live beside this file (``eval_examples.py``):
pytest puts this folder on ``sys.path`` because this conftest is here."""

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def int8_folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The embedded base saved in bf16, and INT8 by ``compress.quantize.save_int8``."""
    pytest.importorskip("torchao")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from vertune.compress.quantize import quantize_int8, save_int8
    from vertune.model.embedded import embedded_path

    root = tmp_path_factory.mktemp("int8")
    source = embedded_path("tiny-qwen3")
    tokenizer = AutoTokenizer.from_pretrained(source)
    AutoModelForCausalLM.from_pretrained(source, dtype=torch.bfloat16).save_pretrained(root / "bf16")
    save_int8(quantize_int8(AutoModelForCausalLM.from_pretrained(source, dtype=torch.bfloat16)), root / "int8")
    for name in ("bf16", "int8"):
        tokenizer.save_pretrained(root / name)
    return root / "bf16", root / "int8"
