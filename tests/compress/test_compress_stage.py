"""The compress stage on a workspace after train: variants on disk, measured, checked and chosen."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from eval_examples import TASKS, domain_test_samples
from safetensors.torch import load_file

from vertune.compress.distill import check_same_tokenizer
from vertune.config import Config, parse_config
from vertune.pipeline import run_stage
from vertune.records import write_jsonl
from vertune.stages import stage_named
from vertune.train.recipe import train
from vertune.workspace import Workspace

CONFIG = """
project: compress-test
workspace: {workspace}
evaluation: {{max_items_per_task: 2, max_new_tokens: 8, batch_size: 8}}
compression: {{prune_ratio: {ratio}}}
"""
RELOAD = r"""
import sys, torch, vertune
from transformers import AutoModelForCausalLM, AutoTokenizer
folder = sys.argv[1]
model, tokenizer = AutoModelForCausalLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)
ids = tokenizer("查询余额", return_tensors="pt").input_ids
out = model.generate(ids, max_new_tokens=3, min_new_tokens=3, do_sample=False)
print(out.shape[1] - ids.shape[1], model.config.intermediate_size)
"""


def _fake_manifest(folder: Path, stage: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps({"stage": stage, "fingerprint": "test"}), encoding="utf-8")


@pytest.fixture(scope="module")
def adapter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An adapter trained until it knows the test samples (quality and perplexity to lose)."""
    out = tmp_path_factory.mktemp("adapter")
    config = Config(project="t", lora={"target_modules": "all-linear"},
                    training={"learning_rate": 1e-2, "batch_size": 4, "gradient_accumulation": 1, "max_steps": 40,
                              "eval_steps": 1000, "save_steps": 1000, "loss_average": "sample"})
    return train(domain_test_samples() * 2, [], config, out / "run", out / "ckpt").weights_dir


def _trained_workspace(root: Path, adapter: Path) -> Workspace:
    """prepare's splits (the example test samples, and the same as training samples for the
    calibration) and the trained adapter."""
    samples = domain_test_samples()
    write_jsonl(root / "prepare" / "test.jsonl", samples)
    write_jsonl(root / "prepare" / "train.jsonl", [s.model_copy(update={"split": "train"}) for s in samples])
    (root / "prepare" / "tasks.json").write_text(json.dumps(TASKS, ensure_ascii=False), encoding="utf-8")
    _fake_manifest(root / "prepare", "prepare")
    shutil.copytree(adapter, root / "train" / "adapter")
    _fake_manifest(root / "train", "train")
    _fake_manifest(root / "eval", "eval")
    return Workspace(root)


@pytest.mark.slow
def test_the_stage_builds_measures_and_chooses_and_every_variant_reloads(tmp_path: Path, adapter: Path) -> None:
    root = tmp_path / "ws"
    workspace = _trained_workspace(root, adapter)
    config = parse_config(CONFIG.format(workspace=root, ratio=0.2))
    manifest = run_stage(stage_named("compress"), config, workspace)

    report = json.loads((root / "compress" / "report.json").read_text(encoding="utf-8"))
    variants = report["variants"]
    assert list(variants) == ["tuned", "merged", "pruned", "int8", "pruned_int8"]
    assert set(variants["tuned"]["quality"]) == set(TASKS)
    merged, int8 = variants["merged"], variants["int8"]
    assert int8["cost"]["disk_bytes"] <= 0.55 * merged["cost"]["disk_bytes"]
    assert int8["cost"]["tensor_bytes"] <= 0.55 * merged["cost"]["tensor_bytes"]
    assert variants["pruned"]["cost"]["parameters"] < merged["cost"]["parameters"]
    # bf16 rounding of the merged adapter moves perplexity by far less than the tolerance
    assert merged["perplexity"] == pytest.approx(variants["tuned"]["perplexity"], rel=0.01) and merged["passes"]
    passing = [n for n, v in variants.items() if v["passes"] and n != "tuned"]
    assert report["selected"] == min(passing, key=lambda n: variants[n]["cost"]["disk_bytes"])
    assert manifest["stats"]["selected"] == report["selected"]
    assert (root / "compress" / "report.html").read_text(encoding="utf-8").count("<tr>") == 6

    width = json.loads((root / "compress" / merged["folder"] / "config.json").read_text())["intermediate_size"]
    for name, expected in (("int8", width), ("pruned", round(width * 0.8)), ("pruned_int8", round(width * 0.8))):
        folder = root / "compress" / variants[name]["folder"]  # a fresh process, plain from_pretrained
        run = subprocess.run([sys.executable, "-c", RELOAD, str(folder)], capture_output=True, text=True, check=True)
        assert list(map(int, run.stdout.split())) == [3, expected], name


@pytest.mark.slow
def test_a_variant_outside_the_tolerance_is_not_published(tmp_path: Path, adapter: Path) -> None:
    root = tmp_path / "ws"
    workspace = _trained_workspace(root, adapter)
    config = parse_config(CONFIG.format(workspace=root, ratio=0.9))  # 90% of the neurons: perplexity rises
    run_stage(stage_named("compress"), config, workspace)
    report = json.loads((root / "compress" / "report.json").read_text(encoding="utf-8"))
    pruned = report["variants"]["pruned"]
    assert not pruned["passes"] and any(r.startswith("perplexity") for r in pruned["reasons"])
    assert report["selected"] not in ("pruned", "pruned_int8")

    # A short recovery fine-tune of the pruned model on the training samples wins part of it back.
    (root / "compress").rename(tmp_path / "unrecovered")
    recovering = CONFIG.format(workspace=root, ratio=0.9).replace(
        "compression: {prune_ratio: 0.9}", "compression: {prune_ratio: 0.9, recovery_steps: 8, recovery_learning_rate: 3.0e-3}")
    write_jsonl(root / "prepare" / "val.jsonl", domain_test_samples()[:4])
    run_stage(stage_named("compress"), parse_config(recovering), workspace)
    recovered = json.loads((root / "compress" / "report.json").read_text(encoding="utf-8"))
    assert recovered["pruned_recovery_steps"] == 8
    assert recovered["variants"]["pruned"]["perplexity"] < 0.8 * pruned["perplexity"]
    assert (root / "compress" / "runs" / "pruned_recovery" / "training_report.json").is_file()


@pytest.mark.slow
def test_the_distilled_student_is_measured_beside_the_same_student_without_its_teacher(tmp_path: Path,
                                                                                       adapter: Path) -> None:
    root = tmp_path / "ws"
    workspace = _trained_workspace(root, adapter)
    write_jsonl(root / "prepare" / "val.jsonl", domain_test_samples()[:4])
    config = parse_config(CONFIG.format(workspace=root, ratio=0.0).replace(
        "compression: {prune_ratio: 0.0}", "compression: {prune_ratio: 0.0, quantize: none, distill: "
        "{student: 'embedded:tiny-qwen3-student', max_steps: 6, learning_rate: 3.0e-3}}"))
    run_stage(stage_named("compress"), config, workspace)
    report = json.loads((root / "compress" / "report.json").read_text(encoding="utf-8"))
    variants = report["variants"]
    assert list(variants) == ["tuned", "merged", "student", "student_no_teacher"]
    assert variants["student"]["cost"]["parameters"] < variants["merged"]["cost"]["parameters"] / 2
    assert report["selected"] != "student_no_teacher"
    taught, alone = (load_file(root / "compress" / variants[n]["folder"] / "model.safetensors")
                     for n in ("student", "student_no_teacher"))
    assert any(not torch.equal(taught[k], alone[k]) for k in taught)  # the teacher changed what was learnt
    for name in ("student", "student_no_teacher"):
        run = subprocess.run([sys.executable, "-c", RELOAD, str(root / "compress" / variants[name]["folder"])],
                             capture_output=True, text=True, check=True)
        assert run.stdout.split()[0] == "3"
    with pytest.raises(ValueError, match="another tokenizer"):
        check_same_tokenizer(str(root / "compress" / variants["merged"]["folder"]), str(_other_tokenizer(tmp_path)))


def _other_tokenizer(tmp_path: Path) -> Path:
    """A model folder whose vocabulary differs from the embedded models' by one token."""
    from vertune.model.loading import load_model, load_tokenizer

    folder = tmp_path / "other"
    tokenizer = load_tokenizer("embedded:tiny-qwen3-student")
    tokenizer.add_tokens(["<新词>"])
    load_model("embedded:tiny-qwen3-student").save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
