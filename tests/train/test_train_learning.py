"""The tuned tiny model really learns a small intent task: lower loss, better greedy answers."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch
from accelerate import Accelerator
from train_samples import chat, tiny_config

from vertune.model.loading import load_model, load_tokenizer
from vertune.records import Sample
from vertune.train.data import encode
from vertune.train.recipe import evaluate, train

INTENTS = {
    "余额查询": ["余额", "还剩多少钱", "账户里有多少"],
    "转账汇款": ["转账", "汇款", "打钱给家人"],
    "挂失补卡": ["挂失", "卡丢了", "银行卡被偷"],
    "投诉建议": ["投诉", "很不满意", "服务太差"],
}
OPENINGS = ["你好，", "请问", "麻烦帮我，", "我想", "今天", "急！", "", "客服，"]
ENDINGS = ["。", "，谢谢。", "，尽快处理。", "？", "", "！"]


def intent_samples(count: int, seed: int) -> list[Sample]:
    rng = random.Random(seed)
    samples = []
    for _ in range(count):
        label = rng.choice(list(INTENTS))
        user = rng.choice(OPENINGS) + rng.choice(INTENTS[label]) + rng.choice(ENDINGS)
        samples.append(chat(user, label))
    return samples


def greedy_accuracy(model: torch.nn.Module, samples: list[Sample]) -> float:
    tokenizer = load_tokenizer("embedded:tiny-qwen3")
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    correct = 0
    model.eval()
    for sample in samples:
        prompt = tokenizer.apply_chat_template([m.model_dump() for m in sample.messages[:-1]], tokenize=False,
                                               add_generation_prompt=True)
        ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False).input_ids
        with torch.no_grad():
            out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=8,
                                 do_sample=False, eos_token_id=end, pad_token_id=tokenizer.pad_token_id)
        answer = tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip()
        correct += answer == sample.messages[-1].content
    return correct / len(samples)


def val_loss(model: torch.nn.Module, samples: list[Sample]) -> float:
    examples = encode(samples, load_tokenizer("embedded:tiny-qwen3"), 256).examples
    return evaluate(Accelerator(cpu=True), model, examples, batch_size=16, pad_id=0)


@pytest.mark.slow
def test_tuning_lowers_validation_loss_and_raises_accuracy(tmp_path: Path) -> None:
    """Full fine-tuning at lr 1e-3: on this *randomly initialised* model LoRA cannot get far, as the
    frozen final norm and tied embeddings (std 0.02) cap any logit near 5, i.e. a loss floor near
    4 over an 8000-token vocabulary; a pretrained base has no such cap."""
    train_set, val_set, test_set = intent_samples(600, seed=0), intent_samples(60, seed=1), intent_samples(80, seed=2)
    config = tiny_config(method="full", epochs=2, batch_size=8, gradient_accumulation=1, learning_rate=1e-3,
                         eval_steps=50)
    config.prepare.curriculum = False
    result = train(train_set, val_set, config, tmp_path / "out", tmp_path / "ckpt")

    base = load_model("embedded:tiny-qwen3")
    tuned = load_model(str(result.weights_dir))
    base_loss, tuned_loss = val_loss(base, test_set), val_loss(tuned, test_set)
    base_accuracy, tuned_accuracy = greedy_accuracy(base, test_set), greedy_accuracy(tuned, test_set)
    print(f"base loss {base_loss:.3f} acc {base_accuracy:.2f} | tuned loss {tuned_loss:.3f} acc {tuned_accuracy:.2f}")
    assert tuned_loss < 0.25 * base_loss
    assert base_accuracy < 0.3 and tuned_accuracy > 0.8  # 4 balanced classes: guessing scores about 0.25
