import time
from pathlib import Path

import pytest
import torch
from eval_examples import TASKS, domain_test_samples
from openai_server import ChatServer

from vertune.evaluate import suites
from vertune.evaluate.runners import EndpointRunner, LocalRunner, Request, cut_at_stop, pad


def _ask(text: str) -> Request:
    return Request(({"role": "system", "content": "s"}, {"role": "user", "content": text}), max_new_tokens=8)


# --- endpoint: a real HTTP server on 127.0.0.1 -------------------------------------------------


def test_endpoint_replies_in_order_and_retries_what_can_recover() -> None:
    with ChatServer() as server:
        runner = EndpointRunner(server.url, model="m", concurrency=3, timeout=1.0, retries=2, backoff=0.01)
        prompts = ["ok:甲", "flaky:2:乙", "malformed:丙", "ok:丁", "flaky:1:戊", "cut:己"]
        replies = runner.generate([_ask(p) for p in prompts])
    assert [r.text for r in replies] == ["甲", "乙", "丙", "丁", "戊", "己"]
    assert all(r.error is None for r in replies)
    assert server.attempts["flaky:2:乙"] == 3 and server.attempts["malformed:丙"] == 2
    first = server.requests[0]
    assert first["path"] == "/v1/chat/completions" and first["model"] == "m" and first["temperature"] == 0
    assert first["max_tokens"] == 8


def test_endpoint_failures_become_failed_replies_not_crashes() -> None:
    with ChatServer(slow=1.5) as server:
        runner = EndpointRunner(server.url + "/v1", concurrency=4, timeout=0.3, retries=1, backoff=0.01)
        started = time.perf_counter()
        replies = runner.generate([_ask(p) for p in ["broken", "slow", "refused", "ok:好"]])
        elapsed = time.perf_counter() - started
    broken, slow, refused, fine = replies
    assert broken.text == "" and "HTTP 500" in broken.error and server.attempts["broken"] == 2
    assert slow.text == "" and "gave up after 2 attempts" in slow.error and "timed out" in slow.error.lower()
    assert refused.error == "HTTP 400" and server.attempts["refused"] == 1  # a 4xx is not retried
    assert fine.text == "好" and fine.error is None
    assert elapsed < 1.5  # the slow answer was not waited for


def test_endpoint_keeps_to_its_concurrency_limit() -> None:
    with ChatServer(delay=0.1) as server:
        replies = EndpointRunner(server.url, concurrency=2, timeout=2.0).generate([_ask(f"ok:{i}") for i in range(8)])
    assert [r.text for r in replies] == [str(i) for i in range(8)]
    assert server.max_in_flight == 2


def test_endpoint_cuts_replies_at_stop_strings_and_sends_them() -> None:
    with ChatServer() as server:
        request = Request(({"role": "user", "content": "ok:答案"},), max_new_tokens=4, stop=("案",))
        (reply,) = EndpointRunner(server.url).generate([request])
    assert reply.text == "答" and server.requests[0]["stop"] == ["案"]


def test_an_endpoint_that_is_not_there_fails_every_request() -> None:
    with ChatServer() as server:
        url = server.url
    replies = EndpointRunner(url, timeout=0.5, retries=1, backoff=0.01).generate([_ask("ok:x")])
    assert replies[0].error and "gave up" in replies[0].error


# --- local model ------------------------------------------------------------------------------


def test_pad_left_and_right() -> None:
    ids, mask = pad([[5, 6, 7], [8]], pad_id=0, left=True)
    assert ids.tolist() == [[5, 6, 7], [0, 0, 8]] and mask.tolist() == [[1, 1, 1], [0, 0, 1]]
    ids, mask = pad([[5, 6, 7], [8]], pad_id=0, left=False)
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0]] and mask.tolist() == [[1, 1, 1], [1, 0, 0]]


def test_cut_at_stop_takes_the_earliest_stop() -> None:
    assert cut_at_stop("负面\n\n解释。\n", ("\n", "\n\n")) == "负面"
    assert cut_at_stop("正常", ()) == "正常"


@pytest.mark.slow
def test_batched_generation_equals_one_at_a_time(tiny: tuple) -> None:
    model, tokenizer = tiny
    items = suites.domain_items(domain_test_samples(), TASKS, max_new_tokens=12)
    requests = [item.request for item in items]
    batched = LocalRunner(model, tokenizer, batch_size=4).generate(requests)
    single = LocalRunner(model, tokenizer, batch_size=1).generate(requests)
    assert batched == single
    assert all(not any(stop in reply.text for stop in request.stop) for request, reply in zip(requests, batched))


@pytest.mark.slow
def test_a_smaller_budget_gives_a_prefix_of_the_longer_answer(tiny: tuple) -> None:
    runner = LocalRunner(*tiny)
    short, long = runner.generate([Request(_ask("你好").messages, 3), Request(_ask("你好").messages, 12)])
    assert long.text.startswith(short.text) and len(short.text) < len(long.text)


@pytest.mark.slow
def test_stop_strings_end_generation(tiny: tuple) -> None:
    model, tokenizer = tiny
    runner = LocalRunner(model, tokenizer)
    (free,) = runner.generate([_ask("你好")])
    stop = free.text[2:4]
    (stopped,) = runner.generate([Request(_ask("你好").messages, 8, (stop,))])
    assert stopped.text == free.text[: free.text.index(stop)]


@pytest.mark.slow
def test_answer_losses_match_the_model_loss(tiny: tuple) -> None:
    model, tokenizer = tiny
    runner = LocalRunner(model, tokenizer, batch_size=2)
    prompts = [_ask("营业收入是多少？").messages, _ask("短").messages]
    answers = ["1,476.94亿元", "正常"]
    losses = runner.answer_losses(prompts, answers)
    for prompt, answer, loss in zip(prompts, answers, losses):
        prompt_ids = runner.prompt_ids(prompt)
        answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
        ids = torch.tensor([prompt_ids + answer_ids])
        labels = ids.clone()
        labels[0, : len(prompt_ids)] = -100
        with torch.no_grad():
            mean = model(input_ids=ids, labels=labels).loss
        assert loss.tokens == len(answer_ids)
        assert loss.nll / loss.tokens == pytest.approx(float(mean), rel=1e-4)


def test_an_adapter_is_evaluated_merged_with_the_replies_of_the_unmerged_model(tmp_path: Path) -> None:
    from peft import LoraConfig, PeftModel, get_peft_model

    from vertune.config import parse_config
    from vertune.evaluate.runners import load_runner
    from vertune.model.loading import load_model

    with torch.random.fork_rng(devices=[]):  # LoRA's A is drawn from the global RNG: fix it, leave it as it was
        torch.manual_seed(0)
        adapted = get_peft_model(load_model("embedded:tiny-qwen3"), LoraConfig(r=4, target_modules="all-linear"))
        with torch.no_grad():  # a fresh LoRA's B is zero, a no-op: give it weights that change the model
            for name, weight in adapted.named_parameters():
                if "lora_B" in name:
                    weight.copy_(torch.randn(weight.shape) * 0.2)
    adapted.save_pretrained(tmp_path / "adapter")
    config = parse_config("project: t\n")
    merged = load_runner(f"adapter:{tmp_path / 'adapter'}", config)
    assert not isinstance(merged.model, PeftModel)
    unmerged = LocalRunner(PeftModel.from_pretrained(load_model("embedded:tiny-qwen3"), str(tmp_path / "adapter")),
                           merged.tokenizer)
    base = LocalRunner(load_model("embedded:tiny-qwen3"), merged.tokenizer)
    requests = [_ask(text) for text in ("贵州茅台2023年营业收入是多少？", "转账失败怎么办", "今天心情很好")]
    assert [r.text for r in merged.generate(requests)] == [r.text for r in unmerged.generate(requests)]
    ids = torch.tensor([merged.prompt_ids(list(requests[0].messages))])
    with torch.no_grad():
        logits = [runner.model(input_ids=ids).logits for runner in (merged, unmerged, base)]
    torch.testing.assert_close(logits[0], logits[1], atol=1e-4, rtol=1e-4)  # the same function
    assert (logits[0] - logits[2]).abs().max() > 0.1  # and the adapter's, not the base's
