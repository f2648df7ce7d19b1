"""The prepare stage function: the glue between the workspace and ``prepare_samples``.

Reads ``annotate/gold.jsonl`` and writes into the stage folder:

- ``train.jsonl``, ``val.jsonl``, ``test.jsonl``: ``Sample`` records, split set, in final order;
- ``alpaca_<split>.json``, ``sharegpt_<split>.json`` and ``dataset_info.json`` (LLaMA-Factory);
- ``tasks.json``: every task's type, tier and label set, as the prompts list them, and its
  longest training answer in tokens (``answer_tokens``), for eval.

Samples are measured with the model's own tokenizer: one over ``training.max_length`` tokens is
dropped (its annotation rejected when none is left), never cut in training.

Counts: in = gold annotations (unreadable lines included), out = annotations that became at
least one sample, rejected = the rest with reasons. Augmented and general samples are extra
training samples, not items that passed through, so they are reported in the stats.
"""

from __future__ import annotations

from dataclasses import asdict

from vertune.atomic import atomic_write_json
from vertune.pipeline import StageContext
from vertune.model.loading import load_tokenizer
from vertune.prepare.build import longest_answers, prepare_samples, sample_length
from vertune.prepare.export import write_exports
from vertune.records import Annotation, Rejection, read_jsonl, write_jsonl

GOLD = "gold.jsonl"


def prepare_stage(ctx: StageContext) -> None:
    """Turn the gold annotations into split, ordered samples and their exports."""

    def unreadable(rejection: Rejection) -> None:
        ctx.counts["in"] += 1
        ctx.reject(rejection)

    gold = list(read_jsonl(ctx.artifact("annotate", GOLD), Annotation, on_reject=unreadable, stage="prepare"))
    ctx.counts["in"] += len(gold)
    tokenizer = load_tokenizer(ctx.config.model.base, trust_remote_code=ctx.config.model.trust_remote_code)
    prepared = prepare_samples(gold, ctx.config, length=sample_length(tokenizer))
    for rejection in prepared.rejections:
        ctx.reject(rejection)
    ctx.counts["out"] += prepared.used

    for split, samples in prepared.splits.items():
        write_jsonl(ctx.out / f"{split}.jsonl", samples)
    write_exports(ctx.out, prepared.splits, prefix=ctx.config.project)
    longest = longest_answers(prepared.splits["train"], lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"]))
    atomic_write_json(ctx.out / "tasks.json", {name: {**asdict(spec), "answer_tokens": longest.get(name)}
                                               for name, spec in sorted(prepared.tasks.items())})
    ctx.stats.update(prepared.stats)
