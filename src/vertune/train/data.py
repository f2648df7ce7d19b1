"""Training examples: token ids plus labels, and the order they are batched in.

Two kinds of input become the same ``Example``:

- a chat ``Sample`` (SFT): rendered with the model's own chat template; only the assistant
  replies (and the end-of-turn token that closes each) carry a label, prompt tokens get -100;
- a raw ``Document`` or string (continued pretraining): every token is a target, long texts are
  cut into ``max_length`` pieces so no text is thrown away.

Batches are not padded to a fixed length: examples of similar length share a micro-batch and
each micro-batch is padded only to its own longest example, so compute goes to real tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

from vertune.records import Document, Sample, content_id

IGNORE = -100  # the label PyTorch's cross-entropy skips
# Length grouping sorts this many optimizer steps' worth of examples at a time, then shuffles
# the micro-batches: close to the padding of a global sort, while each step still mixes lengths.
GROUP_STEPS = 16

TrainItem = Sample | Document | str


class TemplateError(ValueError):
    """A sample's text cannot be located in what the chat template rendered."""


@dataclass(frozen=True)
class Example:
    """One training sequence; ``labels[i]`` is the target *at* position i (HF convention)."""

    input_ids: list[int]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.input_ids)

    @property
    def targets(self) -> int:
        """How many tokens carry loss (the label at position 0 is never predicted)."""
        return sum(label != IGNORE for label in self.labels[1:])


@dataclass
class Encoded:
    """The examples built from a list of items, and the items that gave none (with why)."""

    examples: list[Example]
    dropped: list[tuple[str, str]]  # (item id, reason)
    truncated: int


def encode_chat(sample: Sample, tokenizer: PreTrainedTokenizerBase, max_length: int) -> tuple[Example, bool]:
    """Render ``sample`` with the chat template; label assistant content + its end token.

    Each message's text is found in order in the rendered string (templates wrap messages but
    keep their text); a token is an answer token when it overlaps an assistant message's text.
    The token right after each answer is labelled too when it is an added token such as
    ``<|im_end|>``: the model must learn to stop. Returns the example and whether it was cut.
    """
    messages = [m.model_dump() for m in sample.messages]
    text = tokenizer.apply_chat_template(messages, tokenize=False)
    spans, cursor = [], 0
    for message in messages:
        needle = message["content"].strip()
        start = text.find(needle, cursor)
        if start < 0:
            raise TemplateError(f"sample {sample.id}: the chat template does not contain the {message['role']} text verbatim")
        cursor = start + len(needle)
        if message["role"] == "assistant" and needle:
            spans.append((start, cursor))
    encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = encoding["input_ids"], encoding["offset_mapping"]
    end_tokens = set(tokenizer.get_added_vocab().values())
    labels, in_answer = [IGNORE] * len(ids), False
    for i, (begin, end) in enumerate(offsets):
        inside = any(begin < stop and end > start for start, stop in spans)
        if inside or (in_answer and ids[i] in end_tokens):
            labels[i] = ids[i]
        in_answer = inside
    truncated = len(ids) > max_length
    return Example(ids[:max_length], labels[:max_length]), truncated


def encode_text(text: str, tokenizer: PreTrainedTokenizerBase, max_length: int) -> list[Example]:
    """Cut a document (plus a closing end-of-text token) into ``max_length`` pieces, all labelled."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if tokenizer.eos_token_id is not None:
        ids.append(tokenizer.eos_token_id)
    pieces = [ids[i : i + max_length] for i in range(0, len(ids), max_length)]
    return [Example(piece, list(piece)) for piece in pieces if len(piece) > 1]


def item_id(item: TrainItem) -> str:
    """A record's id, or the content hash of a plain string."""
    return content_id(item) if isinstance(item, str) else item.id


def encode(items: Iterable[TrainItem], tokenizer: PreTrainedTokenizerBase, max_length: int) -> Encoded:
    """Examples for a list of samples (SFT) or documents/strings (pretraining), in input order.

    An item that yields nothing to learn is not an error: it is listed in ``dropped`` with why.
    """
    examples: list[Example] = []
    dropped: list[tuple[str, str]] = []
    truncated = 0
    for item in items:
        if isinstance(item, Sample):
            try:
                example, cut = encode_chat(item, tokenizer, max_length)
            except TemplateError as error:
                dropped.append((item.id, str(error)))
                continue
            truncated += cut
            pieces = [example] if example.targets else []
            reason = "no assistant token within max_length" if cut else "no assistant message"
        else:
            text = item if isinstance(item, str) else item.text
            pieces = encode_text(text, tokenizer, max_length)
            reason = "text shorter than two tokens"
        if not pieces:
            dropped.append((item_id(item), reason))
        examples.extend(pieces)
    return Encoded(examples, dropped, truncated)


def data_hash(items: Sequence[TrainItem]) -> str:
    """A short hash of the items' identities in order: same data, same order, same hash."""
    return content_id([item_id(item) for item in items])


# --------------------------------------------------------------------------------------------
# Batching
# --------------------------------------------------------------------------------------------

Step = list[list[int]]  # one optimizer step: its micro-batches, each a list of example indices


def plan_epoch(lengths: Sequence[int], batch_size: int, accumulation: int, seed: int, epoch: int,
               keep_order: bool) -> list[Step]:
    """The micro-batches of one epoch, grouped into optimizer steps; the same for the same seed.

    Examples are shuffled (unless ``keep_order``: curriculum order is kept, and grouping only
    happens inside one step's worth of examples), sorted by length inside windows, cut into
    micro-batches of ``batch_size`` and the micro-batches of each window shuffled.
    """
    rng = np.random.default_rng([seed, epoch])
    order = np.arange(len(lengths)) if keep_order else rng.permutation(len(lengths))
    window = batch_size * accumulation * (1 if keep_order else GROUP_STEPS)
    micro: list[list[int]] = []
    for begin in range(0, len(order), window):
        chunk = sorted(order[begin : begin + window].tolist(), key=lambda i: -lengths[i])
        batches = [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
        if not keep_order:
            batches = [batches[i] for i in rng.permutation(len(batches))]
        micro.extend(batches)
    return [micro[i : i + accumulation] for i in range(0, len(micro), accumulation)]


def split_micro_batches(step: Step, parts: int) -> Step:
    """Cut every micro-batch of a step into ``parts`` smaller ones (the out-of-memory remedy)."""
    out: list[list[int]] = []
    for batch in step:
        size = -(-len(batch) // parts)
        out.extend(batch[i : i + size] for i in range(0, len(batch), size))
    return out


def collate(examples: Sequence[Example], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad a micro-batch to its longest example; pads are masked and carry no label."""
    width = max(len(e) for e in examples)
    input_ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    attention_mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, example in enumerate(examples):
        n = len(example)
        input_ids[row, :n] = torch.tensor(example.input_ids)
        labels[row, :n] = torch.tensor(example.labels)
        attention_mask[row, :n] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


def right_padded(attention_mask: torch.Tensor) -> bool:
    """True when every row is its real tokens followed by pads only (what ``collate`` builds).

    Under a causal mask no real token of such a batch can see a pad, so the padding mask adds
    nothing: a model called without it computes the same values at every real position, and
    attention can take the plain causal kernel, which skips the masked upper triangle.
    """
    width = attention_mask.shape[1]
    prefix = torch.arange(width, device=attention_mask.device) < attention_mask.sum(dim=1, keepdim=True)
    return bool(torch.equal(attention_mask.bool(), prefix))

