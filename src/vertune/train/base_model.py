"""Build the embedded base model's weights: a tiny Qwen3 that already models language.

A randomly initialised model is no base: LoRA on it cannot move far, and "tuned beats base"
would only say that a model which answers beats one which never does. So, once, vertune's own
training recipe turns the random ``embedded:tiny-qwen3`` into a small base model:

- continued pretraining on generated domain-neutral-to-domain text: service dialogues, trade
  descriptions, annual-report excerpts and company news from the synthetic generators (with
  seeds the example does not use; the generators are templates, so many sentences of the
  example's test passages recur verbatim, though no qa or summary gold answer is a copy
  item's answer), general instruction items
  written out as plain text, and a glossary of the tokenizer's own vocabulary (see
  :func:`glossary`);
- instruction tuning on general items in the prompt templates' formats (read-and-copy, sums,
  multiple choice, pick-a-label over short and long texts, JSON extraction, one-line summaries),
  read-and-copy questions on domain-style text (a trade's channel, a dialogue's reply), and
  copy items (a sentence found by its first characters, or a passage copied verbatim; see
  :func:`copy_items`), as real base models have seen such formats before anyone fine-tunes
  them. No item asks for a label of the example's tasks (fraud, intent, sentiment of a
  dialogue) or answers in a task's format: that is fine-tuning's job.

The weights are committed (``model/weights/<name>.safetensors``, bf16) with a JSON record of how
they were made, and the embedded build loads them: a float-exact rebuild on other hardware is
not possible, a committed file is. Re-run after changing the recipe or the tokenizer corpus:

    .venv/bin/python -m vertune.train.base_model [--steps N]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
import time
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from vertune.config import Config, LoraConfig, ModelConfig, PrepareConfig, TrainingConfig
from vertune.data.synthetic import (describe_trade, generate_annual_reports, generate_dialogues,
                                    generate_news_articles, generate_trades)
from vertune.data.synthetic.instructions import generate_instructions
from vertune.model.embedded import build_untrained, weights_file
from vertune.prepare.templates import GENERAL_SYSTEM, render_prompt
from vertune.records import Message, Sample
from vertune.train.recipe import train

NAME = "tiny-qwen3"
SEED = 1234  # the example uses other seeds for its synthetic sources
MAX_LENGTH = 512
# Generic copy questions on report excerpts and news, by the kind of the first span they name.
COPY_QUESTIONS = {"company": "文中最先提到的公司是哪家？", "amount": "文中最先出现的金额是多少？",
                  "percent": "文中最先出现的百分比是多少？", "product": "文中提到的第一种产品是什么？"}
GLOSSARY_REPEATS = 16  # each vocabulary token is predicted at least this often
_SENTENCES = re.compile(r"[^。！？\n]+[。！？]?")
KEY_CHARS = 6  # a sentence is looked up by its first characters, which must occur once in the passage


def dialogue_text(turns: list[dict]) -> str:
    """A service dialogue as plain text, one ``客户：`` / ``客服：`` line per turn."""
    return "\n".join(f"{'客户' if t['role'] == 'customer' else '客服'}：{t['text']}" for t in turns)


def pretraining_text(seed: int, dialogues: int, trades: int, reports: int, news: int) -> list[str]:
    """Plain documents: dialogues, trades, report excerpts and news (labels never included)."""
    texts = [dialogue_text(d["turns"]) for d in generate_dialogues(dialogues, seed)]
    texts += [describe_trade(t) for t in generate_trades(trades, seed + 1, fraud_rate=0.08)]
    texts += [r["text"] for r in generate_annual_reports(reports, seed + 4)]
    texts += [f"{a['title']}\n{a['text']}" for a in generate_news_articles(news, seed + 5)]
    return texts


def glossary(tokenizer: PreTrainedTokenizerBase, seed: int, repeats: int, per_line: int = 24) -> list[str]:
    """Documents that list every whole-text token of the vocabulary, ``repeats`` times in shuffled lines.

    The tokenizer is trained on more text than the base reads, and with tied embeddings a token the
    base never predicts drifts to the same direction as every other unseen one (measured: the
    first build saw 1,754 of 8,000 tokens; 修改密码, 开户, 查询 and 贷款 had cosine 0.9 to each
    other). LoRA cannot move embeddings, so labels made of such tokens could not be told apart. A
    real base has seen its whole vocabulary; one word per line (its own pre-token) gives each
    token its own place.
    """
    rng = random.Random(seed)
    words = [w.strip() for i in range(len(tokenizer)) if (w := tokenizer.decode([i])).strip() and "\ufffd" not in w
             and i not in tokenizer.all_special_ids]
    docs = []
    for _ in range(repeats):
        rng.shuffle(words)
        docs += ["\n".join(words[k:k + per_line]) for k in range(0, len(words), per_line)]
    return docs


def reading_items(seed: int, trades: int, dialogues: int, reports: int = 0, news: int = 0) -> list[dict]:
    """Read-and-copy questions on domain-style text: a base that can read a long passage.

    The answers are copied from the text (channel, city, amount, a turn of the dialogue, the
    first company, amount, percentage or product a report excerpt or news item names); no item
    asks for a task label (fraud, intent, sentiment) or a task's answer format, which only
    fine-tuning teaches.
    """
    rng = random.Random(seed)
    items = []

    def ask(text: str, question: str, answer: str) -> None:
        items.append({"kind": "domain_reading", "language": "zh", "task_type": "qa", "text": text,
                      "question": question, "labels": [], "instruction": "", "answer": answer})

    for trade in generate_trades(trades, seed + 2, fraud_rate=0.08):
        question, answer = rng.choice([("这笔交易通过什么渠道完成？", trade["channel"]),
                                       ("交易发生在哪个城市？", trade["city"]),
                                       ("交易金额是多少元？", f"{trade['amount']:,.2f}元"),
                                       ("账户常住哪个城市？", trade["context"]["home_city"]),
                                       ("交易账户是哪个？", trade["account_id"])])
        ask(describe_trade(trade), question, answer)
    passages = [(r["text"], r["truth"]) for r in generate_annual_reports(reports, seed + 6)]
    passages += [(f"{a['title']}\n{a['text']}", a["truth"]) for a in generate_news_articles(news, seed + 7)]
    for text, truth in passages:
        kinds = {e["kind"]: e["text"] for e in reversed(truth["entities"]) if e["kind"] in COPY_QUESTIONS}
        if kinds:
            kind = rng.choice(sorted(kinds))
            ask(text, COPY_QUESTIONS[kind], kinds[kind])
    for dialogue in generate_dialogues(dialogues, seed + 3):
        turns = dialogue["turns"]
        index = rng.choice([k for k, t in enumerate(turns) if t["role"] == "agent"])
        ask(dialogue_text(turns), f"客服第{index // 2 + 1}次是怎么回答的？", turns[index]["text"])
    return items


def copy_items(seed: int, reports: int, news: int, dialogues: int) -> list[dict]:
    """Copy-by-key questions: "the sentence that begins with X, in full", and "copy this text".

    Copying a span of the input is what every extraction and reading answer rests on, and the
    second build had not learnt it: it answered its own read-and-copy questions with a figure or
    name of the right shape, never the one in the text (0 of 50 held-out items), and the demo's
    tuned model did the same on QA and extraction. A model learns to copy (induction heads,
    Olsson et al. 2022) when answers can only be predicted by attending back to the passage:
    here the key is a sentence's first characters, the answer the whole sentence, and half the
    items are a plain "copy this" of one to three sentences. Generic reading, no task format.

    Measured on the build that added them (3,500 steps): it copies 18 of 80 held-out items
    exactly, but all 18 are sentences its build text holds verbatim (the generators are
    templates); of the 39 it has never read it copies none. It recalls, it does not yet copy;
    ``tests/model/test_embedded.py`` keeps that as a strict expected failure.
    """
    rng = random.Random(seed)
    passages = [r["text"] for r in generate_annual_reports(reports, seed)]
    passages += [f"{a['title']}\n{a['text']}" for a in generate_news_articles(news, seed + 1)]
    passages += [dialogue_text(d["turns"]) for d in generate_dialogues(dialogues, seed + 2)]
    items = []
    for text in passages:
        found = [m for m in _SENTENCES.finditer(text) if len(m.group().strip()) > KEY_CHARS + 4]
        keyed = [m.group().strip() for m in found if text.count(m.group().strip()[:KEY_CHARS]) == 1]
        if keyed and rng.random() < 0.5:
            sentence = rng.choice(keyed)
            items.append({"kind": "copy_by_key", "language": "zh", "task_type": "qa", "text": text,
                          "question": f"文中以“{sentence[:KEY_CHARS]}”开头的那句话是什么？请完整照抄。",
                          "labels": [], "instruction": "", "answer": sentence})
        elif found:
            start = rng.randrange(len(found))
            end = min(start + rng.randint(1, 3), len(found)) - 1
            span = text[found[start].start():found[end].end()].strip()
            items.append({"kind": "copy_text", "language": "zh", "task_type": "general", "text": "",
                          "question": "", "labels": [], "instruction": f"照抄下面的文字，一字不改：\n{span}",
                          "answer": span})
    return items


def instruction_sample(item: dict) -> Sample:
    """One generated instruction item as a chat sample in the prompt templates' wording."""
    language = item["language"]
    if item["task_type"] == "general":
        system, user = GENERAL_SYSTEM[language], item["instruction"]
    else:
        system, user = render_prompt(item["task_type"], language, item["text"], tuple(item["labels"]),
                                     item["question"])
    messages = [Message(role="system", content=system), Message(role="user", content=user),
                Message(role="assistant", content=item["answer"])]
    return Sample(task=f"base:{item['kind']}", messages=messages, split="train",
                  meta={"kind": item["kind"], "language": language})


def base_config(folder: Path, steps: int, learning_rate: float) -> Config:
    """The recipe's config: full training of every weight, cosine schedule, fixed seed."""
    return Config(project="embedded-base", model=ModelConfig(base=str(folder), device_map=None),
                  prepare=PrepareConfig(curriculum=False), lora=LoraConfig(),
                  training=TrainingConfig(method="full", learning_rate=learning_rate, batch_size=16,
                                          gradient_accumulation=1, epochs=50, max_steps=steps, warmup_ratio=0.02,
                                          weight_decay=0.01, eval_steps=max(steps // 4, 1), save_steps=steps,
                                          early_stopping_patience=100, seed=SEED))


def build_corpus() -> tuple[list[dict], list[str]]:
    """What the base reads, but the glossary (which needs the tokenizer): instruction items
    (general, read-and-copy, copy) and plain documents. Tests read it to tell held-out text from seen."""
    general = generate_instructions(14_000, SEED)
    items = general + reading_items(SEED, trades=3000, dialogues=2000, reports=2500, news=2500)
    items += copy_items(SEED + 20, reports=5000, news=5000, dialogues=2000)
    plain = [f"{item['instruction'] or item['text']}\n{item['question']}\n{item['answer']}" for item in general[:4000]]
    return items, pretraining_text(SEED, dialogues=3000, trades=4000, reports=1500, news=1500) + plain


def build(steps: int, learning_rate: float, out: Path) -> dict:
    """Train the base and write ``out`` (safetensors) plus ``out.with_suffix('.json')``."""
    rng = random.Random(SEED)
    items, documents = build_corpus()
    samples = [instruction_sample(item) for item in items]
    mixed: list[Sample | str] = [*samples, *documents]
    clock = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        untrained = Path(tmp) / "untrained"
        build_untrained(NAME, untrained)
        words = glossary(AutoTokenizer.from_pretrained(untrained), SEED, repeats=GLOSSARY_REPEATS)
        mixed += words
        rng.shuffle(mixed)
        val = mixed[:300]
        result = train(mixed[300:], val, base_config(untrained, steps, learning_rate), Path(tmp) / "out",
                       Path(tmp) / "ckpt", resume=False, max_length=MAX_LENGTH, live=True)
        weights = load_file(str(result.weights_dir / "model.safetensors"))
    out.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.to(torch.bfloat16).contiguous() for k, v in weights.items()}, str(out))
    record = {"name": NAME, "seed": SEED, "steps": result.steps, "learning_rate": learning_rate,
              "items": {"instruction_samples": len(samples), "documents": len(documents), "glossary": len(words)},
              "best_val_loss": result.best_val_loss, "final_train_loss": result.final_train_loss,
              "tokens": result.report["tokens"], "seconds": round(time.perf_counter() - clock, 1),
              "torch": torch.__version__, "command": f"python -m vertune.train.base_model --steps {steps}"}
    out.with_suffix(".json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3500)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--out", type=Path, default=weights_file(NAME))
    args = parser.parse_args()
    print(json.dumps(build(args.steps, args.lr, args.out), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
