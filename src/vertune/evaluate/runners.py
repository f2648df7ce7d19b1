"""Runners turn chat requests into replies: a local model, or an OpenAI-compatible endpoint.

Both answer ``generate(requests) -> replies`` in request order and never raise for one bad
request: a reply that could not be had is a ``Reply`` with ``error`` set, which scores as a
wrong answer. ``LocalRunner`` also gives answer losses (for perplexity).

Model specs, as ``load_runner`` reads them: ``http://host:port[/v1][#model]`` is an endpoint,
``adapter:<folder>`` is a PEFT adapter on top of ``config.model.base``, and anything else
(``embedded:<name>``, a local folder, a hub id) is a model loaded with ``load_model``.
"""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any, Protocol

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from vertune.config import Config
from vertune.model.loading import load_model, load_tokenizer

ADAPTER_PREFIX = "adapter:"
Messages = tuple[dict[str, str], ...]


@dataclass(frozen=True)
class Request:
    """One chat prompt (system/user turns) and how long its answer may be."""

    messages: Messages
    max_new_tokens: int = 64
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    text: str
    error: str | None = None


@dataclass(frozen=True)
class AnswerLoss:
    """Summed negative log-likelihood of an answer's tokens given its prompt, and their count."""

    nll: float
    tokens: int


class Runner(Protocol):
    name: str

    def generate(self, requests: Sequence[Request]) -> list[Reply]: ...

    def answer_losses(self, prompts: Sequence[Messages], answers: Sequence[str]) -> list[AnswerLoss] | None: ...


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    """``text`` up to the first stop string (generation may run a few characters past it)."""
    cuts = [text.find(s) for s in stop if s and s in text]
    return text[: min(cuts)] if cuts else text


# --- local model ------------------------------------------------------------------------------


class LocalRunner:
    """Batched greedy generation with a Hugging Face causal LM.

    Requests are grouped by answer budget and stop strings, sorted by prompt length (so a
    batch wastes little on padding), left-padded and generated ``batch_size`` at a time; the
    replies come back in request order. Greedy decoding makes the output independent of the
    batch a request lands in, which ``benchmarks/eval_generation.py`` checks.
    """

    def __init__(self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, batch_size: int = 16,
                 name: str = "local") -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.name = name
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    def prompt_ids(self, messages: Messages) -> list[int]:
        """Token ids of the chat-template prompt, ending where the assistant's answer starts."""
        if self.tokenizer.chat_template:
            text = self.tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=False,
                                                      enable_thinking=False)
        else:  # a plain base model: the turns one after another
            text = "\n\n".join(m["content"] for m in messages) + "\n\n"
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def generate(self, requests: Sequence[Request]) -> list[Reply]:
        prompts = [self.prompt_ids(r.messages) for r in requests]
        settings = [(r.max_new_tokens, r.stop) for r in requests]
        order = sorted(range(len(requests)), key=lambda i: (settings[i], -len(prompts[i])))
        replies: dict[int, Reply] = {}
        for (budget, stop), group in groupby(order, key=lambda i: settings[i]):
            indices = list(group)
            for start in range(0, len(indices), self.batch_size):
                batch = indices[start : start + self.batch_size]
                texts = self._generate_batch([prompts[i] for i in batch], budget, stop)
                replies.update((i, Reply(cut_at_stop(text, stop))) for i, text in zip(batch, texts))
        return [replies[i] for i in range(len(requests))]

    @torch.inference_mode()
    def _generate_batch(self, prompts: list[list[int]], max_new_tokens: int, stop: tuple[str, ...]) -> list[str]:
        input_ids, attention_mask = pad(prompts, self.pad_id, left=True)
        device = self.model.device
        extra: dict[str, Any] = {"stop_strings": list(stop), "tokenizer": self.tokenizer} if stop else {}
        output = self.model.generate(
            input_ids=input_ids.to(device), attention_mask=attention_mask.to(device), max_new_tokens=max_new_tokens,
            do_sample=False, temperature=None, top_p=None, top_k=None, pad_token_id=self.pad_id, **extra,
        )
        return self.tokenizer.batch_decode(output[:, input_ids.shape[1] :], skip_special_tokens=True)

    @torch.inference_mode()
    def answer_losses(self, prompts: Sequence[Messages], answers: Sequence[str]) -> list[AnswerLoss]:
        """Each answer's token NLL under the model, given its prompt (teacher forcing, batched).

        Rows are left-padded so every answer ends at the last position; the model then only
        computes logits for the last (longest answer + 1) positions, not the whole prompt,
        which matters with a 150k-token vocabulary.
        """
        pairs = [(self.prompt_ids(p), self.tokenizer(a, add_special_tokens=False)["input_ids"])
                 for p, a in zip(prompts, answers)]
        losses: dict[int, AnswerLoss] = {}
        order = sorted(range(len(pairs)), key=lambda i: -len(pairs[i][0]) - len(pairs[i][1]))
        device = self.model.device
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            input_ids, attention_mask = pad([pairs[i][0] + pairs[i][1] for i in batch], self.pad_id, left=True)
            keep = max(len(pairs[i][1]) for i in batch) + 1
            position_ids = (attention_mask.cumsum(-1) - 1).clamp(min=0)
            logits = self.model(input_ids=input_ids.to(device), attention_mask=attention_mask.to(device),
                                position_ids=position_ids.to(device), logits_to_keep=keep).logits.float()
            targets = input_ids[:, input_ids.shape[1] - keep + 1 :].to(device)
            nll = torch.nn.functional.cross_entropy(logits[:, :-1].transpose(1, 2), targets, reduction="none")
            for row, i in enumerate(batch):
                answer_length = len(pairs[i][1])
                losses[i] = AnswerLoss(float(nll[row, nll.shape[1] - answer_length :].sum()), answer_length)
        return [losses[i] for i in range(len(pairs))]


def pad(sequences: Sequence[list[int]], pad_id: int, left: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """(input_ids, attention_mask) of equal-length rows, padded on the left or the right."""
    width = max(map(len, sequences))
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, seq in enumerate(sequences):
        span = slice(width - len(seq), width) if left else slice(0, len(seq))
        ids[row, span] = torch.tensor(seq, dtype=torch.long)
        mask[row, span] = 1
    return ids, mask


# --- OpenAI-compatible endpoint ---------------------------------------------------------------


class EndpointRunner:
    """Greedy chat completions from an OpenAI-compatible server (vLLM, TGI, llama.cpp, …).

    At most ``concurrency`` requests are in flight. A timeout, a connection error, a 5xx or 429
    status, or a body that is not a chat completion is retried ``retries`` times with
    exponential backoff (``backoff``, 2×, 4× … seconds); after that, or at once for any other
    4xx, the request becomes a failed ``Reply``. ``OPENAI_API_KEY`` is sent when set.
    """

    def __init__(self, url: str, model: str = "default", concurrency: int = 4, timeout: float = 60.0,
                 retries: int = 2, backoff: float = 1.0, name: str | None = None) -> None:
        base = url.rstrip("/")
        self.url = base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")
        self.model = model
        self.concurrency = concurrency
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.name = name or url
        self.api_key = os.environ.get("OPENAI_API_KEY")

    def generate(self, requests: Sequence[Request]) -> list[Reply]:
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(self._complete, requests))

    def answer_losses(self, prompts: Sequence[Messages], answers: Sequence[str]) -> None:
        """Chat endpoints do not return prompt log-probabilities: no perplexity."""
        return None

    def _complete(self, request: Request) -> Reply:
        body: dict[str, Any] = {"model": self.model, "messages": list(request.messages),
                                "max_tokens": request.max_new_tokens, "temperature": 0}
        if request.stop:
            body["stop"] = list(request.stop)
        error = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                return Reply(cut_at_stop(self._post(body), request.stop))
            except _Retryable as err:
                error = str(err)
            except _Final as err:
                return Reply("", error=str(err))
        return Reply("", error=f"gave up after {self.retries + 1} attempts: {error}")

    def _post(self, body: dict[str, Any]) -> str:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, data=json.dumps(body).encode("utf-8"), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            kind = _Retryable if err.code >= 500 or err.code in (408, 429) else _Final
            raise kind(f"HTTP {err.code}") from None
        except (OSError, http.client.HTTPException) as err:  # refused, reset, timed out, cut short
            raise _Retryable(f"{type(err).__name__}: {getattr(err, 'reason', err)}") from None
        try:
            content = json.loads(raw)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise _Retryable(f"malformed response: {raw[:80]!r}") from None
        if not isinstance(content, str):
            raise _Retryable(f"malformed response: content is {type(content).__name__}")
        return content


class _Retryable(Exception):
    """A failure worth another try (the server may recover)."""


class _Final(Exception):
    """A failure that another try will not fix (the request itself was refused)."""


# --- specs ------------------------------------------------------------------------------------


def load_runner(spec: str, config: Config, name: str | None = None) -> Runner:
    """The runner of a model spec (see the module doc), set up from ``config.evaluation``."""
    settings = config.evaluation
    if spec.startswith(("http://", "https://")):
        url, _, model = spec.partition("#")
        return EndpointRunner(url, model or "default", concurrency=settings.concurrency, name=name or spec)
    options = {"dtype": config.model.dtype, "device_map": config.model.device_map,
               "trust_remote_code": config.model.trust_remote_code}
    if spec.startswith(ADAPTER_PREFIX):
        from peft import PeftModel

        folder = Path(spec.removeprefix(ADAPTER_PREFIX))
        model = PeftModel.from_pretrained(load_model(config.model.base, int8_kernels=False, **options), str(folder))
        # Merged into an fp32 base for generation: the same function without the adapter's extra
        # matmuls per layer (measured: 120 extraction items of the demo, 29.6 s unmerged, 23.6 s
        # merged, 24 of 24 replies identical). A bf16/fp16 base would round the update into its weights.
        if model.get_base_model().dtype == torch.float32:
            model = model.merge_and_unload()
        has_tokenizer = (folder / "tokenizer_config.json").exists()
        tokenizer = load_tokenizer(str(folder) if has_tokenizer else config.model.base, config.model.trust_remote_code)
    else:
        model = load_model(spec, **options)
        tokenizer = load_tokenizer(spec, config.model.trust_remote_code)
    return LocalRunner(model, tokenizer, batch_size=settings.batch_size, name=name or spec)
