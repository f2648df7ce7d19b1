"""Model pre-labeller: prompt any loadable causal LM, greedily and in batches, and parse.

Works with every spec ``vertune.model.loading`` accepts (hub id, local folder,
``embedded:…``) through the tokenizer's chat template. A parsed answer's confidence is the
model's own geometric-mean token probability; an answer that does not parse becomes an
empty pre-label with confidence 0 and the raw text in ``meta["raw_answer"]``, never an error.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch

from vertune.annotate.answers import CHOICE_FIELD, parse_pair_line
from vertune.annotate.prelabel.base import draft
from vertune.model.loading import load_model, load_tokenizer
from vertune.records import Annotation, Document, Entity

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from vertune.annotate.tasks import TaskSpec

MAX_NEW_TOKENS = {"choice": 16, "entities": 128, "qa": 96, "summary": 128}
_THINKING = re.compile(r"<think>.*?(</think>|$)", re.S)


def _family(task_type: str) -> str | None:
    """Which prompt/parser pair serves a task type (None: the model labeller skips it)."""
    if task_type in CHOICE_FIELD:
        return "choice"
    return task_type if task_type in ("entities", "qa", "summary") else None


def build_prompt(spec: TaskSpec, text: str) -> str:
    family = _family(spec.type)
    labels = "、".join(spec.labels)
    if family == "choice":
        return f"请从以下标签中选出最符合文本的一个：{labels}。只输出标签本身。\n\n文本：{text}"
    if family == "entities":
        return (f"找出文本中的实体，类别限于：{labels}。以JSON数组输出，每项形如"
                f'{{"text": "实体原文", "label": "类别"}}，没有实体时输出[]。\n\n文本：{text}')
    if family == "qa":
        return f"根据文本提出一个问题并给出答案，答案必须来自文本。格式：问题 || 答案\n\n文本：{text}"
    return f"用不超过100字概括以下文本的要点，只输出摘要。\n\n文本：{text}"


def parse_answer(spec: TaskSpec, answer: str, text: str) -> dict[str, Any] | None:
    """The Annotation fields the answer gives, or None when it does not parse."""
    answer = _THINKING.sub("", answer).strip()
    family = _family(spec.type)
    if family == "choice":
        bare = answer.strip("。.：:！!\"'“” \n")
        found = {label for label in spec.labels if label in bare}
        label = bare if bare in spec.labels else (found.pop() if len(found) == 1 else None)
        return {CHOICE_FIELD[spec.type]: label} if label else None
    if family == "entities":
        return _parse_entities(answer, text, spec.labels)
    if family == "qa":
        pairs = [pair for line in answer.splitlines() if (pair := parse_pair_line(line))]
        return {"qa": pairs} if pairs else None
    return {"summary": answer} if answer else None


def _parse_entities(answer: str, text: str, labels: Sequence[str]) -> dict[str, Any] | None:
    try:
        items = json.loads(answer[answer.index("[") : answer.rindex("]") + 1])
    except ValueError:
        return None
    if not isinstance(items, list):
        return None
    entities, taken = [], set()
    for item in items:
        if not isinstance(item, dict) or item.get("label") not in labels or not str(item.get("text", "")).strip():
            continue
        mention = str(item["text"]).strip()
        start = text.find(mention)
        while start in taken:
            start = text.find(mention, start + 1)
        if start >= 0:
            taken.add(start)
            entities.append(Entity(start=start, end=start + len(mention), label=item["label"], text=mention))
    return {"entities": sorted(entities, key=lambda e: e.start)}


class ModelLabeller:
    """A batch pre-labeller backed by a causal LM; the model loads on first use."""

    def __init__(self, model: str, *, batch_size: int = 8, max_chars: int = 1500, max_new_tokens: int | None = None,
                 device_map: str | None = None) -> None:
        self.model_spec = model
        self.source = f"model:{model}"
        self.batch_size = batch_size
        self.max_chars = max_chars
        self.max_new_tokens = max_new_tokens  # a cap below the per-type default (short answers, fast tests)
        self.device_map = device_map
        self._loaded: tuple[PreTrainedTokenizerBase, PreTrainedModel] | None = None

    def __call__(self, spec: TaskSpec, docs: Sequence[Document]) -> list[Annotation]:
        family = _family(spec.type)
        if family is None:
            return []
        budget = MAX_NEW_TOKENS[family] if self.max_new_tokens is None else min(self.max_new_tokens, MAX_NEW_TOKENS[family])
        labelled = []
        for first in range(0, len(docs), self.batch_size):
            batch = docs[first : first + self.batch_size]
            prompts = [build_prompt(spec, doc.text[: self.max_chars]) for doc in batch]
            for doc, (answer, probability) in zip(batch, self.generate(prompts, budget)):
                labelled.append(self._annotation(spec, doc, answer, probability))
        return labelled

    def _annotation(self, spec: TaskSpec, doc: Document, answer: str, probability: float) -> Annotation:
        fields = parse_answer(spec, answer, doc.text)
        annotation = draft(spec, doc, self.source, probability if fields else 0.0, **(fields or {}))
        if fields is None:
            annotation.meta["raw_answer"] = answer[:500]
        return annotation

    def _load(self) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
        if self._loaded is None:
            tokenizer = load_tokenizer(self.model_spec)
            tokenizer.padding_side = "left"  # decoder-only generation continues from the right edge
            if tokenizer.pad_token is None:
                tokenizer.pad_token = tokenizer.eos_token
            model = load_model(self.model_spec, device_map=self.device_map).eval()
            self._loaded = (tokenizer, model)
        return self._loaded

    def generate(self, prompts: Sequence[str], max_new_tokens: int) -> list[tuple[str, float]]:
        """Greedy answers to ``prompts`` with the geometric-mean probability of their tokens."""
        tokenizer, model = self._load()
        chats = [
            tokenizer.apply_chat_template([{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True,
                                          enable_thinking=False)
            for p in prompts
        ]
        inputs = tokenizer(chats, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        with torch.no_grad():
            out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, output_scores=True,
                                 return_dict_in_generate=True, pad_token_id=tokenizer.pad_token_id)
        new_tokens = out.sequences[:, inputs["input_ids"].shape[1] :]
        logprobs = model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
        eos = torch.tensor(_eos_ids(model, tokenizer), device=new_tokens.device)
        is_eos = torch.isin(new_tokens, eos).int()
        counted = (is_eos.cumsum(dim=1) - is_eos) == 0  # every token up to and including the first end-of-sequence
        answers = tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        results = []
        for answer, row, keep in zip(answers, logprobs, counted):
            mean = row[keep].float().mean().item() if keep.any() else -math.inf
            results.append((answer, math.exp(mean) if math.isfinite(mean) else 0.0))
        return results


def _eos_ids(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> list[int]:
    configured = model.generation_config.eos_token_id
    ids = configured if isinstance(configured, list) else [configured] if configured is not None else []
    return ids or [tokenizer.eos_token_id]
