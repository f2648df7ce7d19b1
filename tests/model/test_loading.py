"""Model specs resolve to from_pretrained paths; every kind loads through the same call."""

from __future__ import annotations

import json
import logging
import warnings
import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from peft import LoraConfig, PeftModel, get_peft_model

from vertune.model import loading
from vertune.model.embedded import UnknownEmbeddedModel, embedded_path
from vertune.model.loading import ModelNotFound, load_model, load_tokenizer, resolve_model_path
from vertune.train.outputs import export_weights


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VERTUNE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_embedded_spec_resolves_to_built_folder(cache: Path, tmp_path: Path) -> None:
    path = Path(resolve_model_path("embedded:tiny-qwen3"))
    assert path.parent == cache / "models" and (path / "config.json").is_file()
    explicit = Path(resolve_model_path("embedded:tiny-qwen3", tmp_path / "elsewhere"))
    assert explicit.parent == tmp_path / "elsewhere" / "models"


def test_local_folder_and_hub_id_resolve_to_themselves(tmp_path: Path) -> None:
    assert resolve_model_path(str(tmp_path)) == str(tmp_path)
    assert resolve_model_path("Qwen/Qwen3-0.6B") == "Qwen/Qwen3-0.6B"


def test_unknown_embedded_name_lists_known_ones() -> None:
    with pytest.raises(UnknownEmbeddedModel, match=r"embedded:tiny-qwen3\b.*embedded:tiny-qwen3-student"):
        resolve_model_path("embedded:gpt-huge")


def test_plain_local_folder_loads_like_embedded(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(embedded_path("tiny-qwen3"), plain)
    ids = load_tokenizer(str(plain))("营业收入", return_tensors="pt").input_ids
    assert torch.equal(ids, load_tokenizer("embedded:tiny-qwen3")("营业收入", return_tensors="pt").input_ids)
    with torch.no_grad():
        assert torch.equal(load_model(str(plain))(ids).logits, load_model("embedded:tiny-qwen3")(ids).logits)


def test_dtype_is_applied_without_deprecation_warning() -> None:
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("transformers")
    logger.addHandler(handler)
    try:
        assert load_model("embedded:tiny-qwen3", dtype="auto").dtype == torch.float32
        assert load_model("embedded:tiny-qwen3", dtype="bfloat16").dtype == torch.bfloat16
        assert load_model("embedded:tiny-qwen3", dtype=torch.float16).dtype == torch.float16
    finally:
        logger.removeHandler(handler)
    assert not [r for r in records if "deprecated" in r.getMessage()]


def test_unknown_dtype_errors() -> None:
    with pytest.raises(ValueError, match="bfloat17"):
        load_model("embedded:tiny-qwen3", dtype="bfloat17")


@pytest.mark.parametrize("cuda", [False, True])
def test_device_map_auto_only_with_cuda(cuda: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(loading.AutoModelForCausalLM, "from_pretrained",
                        lambda path, **kw: calls.append(kw) or SimpleNamespace(config=SimpleNamespace()))
    load_model(str(tmp_path), device_map="auto")
    assert calls[0]["device_map"] == ("auto" if cuda else None)
    assert calls[0][loading.DTYPE_KWARG] == "auto"


@pytest.mark.parametrize("spec", ["./no-such-model", "../models/x", "/no/such/model", "a/b/c"])
def test_a_folder_spec_that_names_no_folder_is_a_clear_error(spec: str) -> None:
    with pytest.raises(ModelNotFound, match=rf"model {re.escape(spec)}: the folder /\S+ does not exist"):
        resolve_model_path(spec)
    with pytest.raises(ModelNotFound):
        load_tokenizer(spec)


def test_a_file_is_not_a_model_folder(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(ModelNotFound, match="is a file, not a model folder"):
        load_model(str(tmp_path / "weights.bin"))


def test_an_adapter_names_the_base_spec_and_loads_back_through_vertune(tmp_path: Path) -> None:
    base = load_model("embedded:tiny-qwen3")
    adapter = get_peft_model(base, LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    trainable = {name: p.detach() for name, p in adapter.named_parameters() if p.requires_grad}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. peft looking the base up on the hub
        export_weights(adapter, trainable, load_tokenizer("embedded:tiny-qwen3"), tmp_path)
    saved = json.loads((tmp_path / "adapter" / "adapter_config.json").read_text(encoding="utf-8"))
    assert saved["base_model_name_or_path"] == "embedded:tiny-qwen3"  # not this machine's cache folder
    loaded = load_model(str(tmp_path / "adapter"))
    tokenizer = load_tokenizer(str(tmp_path / "adapter"))  # the adapter has none: its base's
    ids = tokenizer("营业收入", return_tensors="pt").input_ids
    assert isinstance(loaded, PeftModel)
    with torch.no_grad():
        assert torch.equal(loaded(ids).logits, adapter(ids).logits)
        assert not torch.equal(loaded(ids).logits, load_model("embedded:tiny-qwen3")(ids).logits)
