"""Shared fixtures of the evaluation tests: one embedded-model cache, and one CPU thread.

One thread: the test machine is shared, and torch's default of one thread per core makes a
tiny model many times slower when another process holds a core. The setting is restored
after each test, so other test folders keep the default.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch


@pytest.fixture(scope="session")
def eval_model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vertune-eval-cache")


@pytest.fixture(autouse=True)
def _cache_and_threads(eval_model_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("VERTUNE_CACHE", str(eval_model_cache))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny(eval_model_cache: Path) -> tuple:
    """(model, tokenizer) of embedded:tiny-qwen3, loaded once."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VERTUNE_CACHE", str(eval_model_cache))
        from vertune.model.loading import load_model, load_tokenizer

        return load_model("embedded:tiny-qwen3"), load_tokenizer("embedded:tiny-qwen3")
