import json
from pathlib import Path

from gold_examples import CONFIG, FINANCE_SYNONYMS, one_of_each
from vertune.config import parse_config
from vertune.model.loading import load_tokenizer
from vertune.pipeline import run_stage
from vertune.records import Sample, read_jsonl, write_jsonl
from vertune.stages import stage_named
from vertune.workspace import Workspace


def _workspace_after_annotate(root: Path, extra_lines: str = "") -> Workspace:
    annotate = root / "annotate"
    write_jsonl(annotate / "gold.jsonl", one_of_each())
    with (annotate / "gold.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(extra_lines)
    (annotate / "manifest.json").write_text(json.dumps({"stage": "annotate", "fingerprint": "test"}), encoding="utf-8")
    return Workspace(root)


def test_the_prepare_stage_writes_splits_exports_and_accounts_for_every_annotation(tmp_path: Path) -> None:
    workspace = _workspace_after_annotate(tmp_path / "ws", extra_lines="this is not json\n")
    config = parse_config(CONFIG + f"workspace: {tmp_path / 'ws'}\nprepare: {{augment: {{synonyms: true, synonyms_file: '{FINANCE_SYNONYMS}'}}}}\n")
    manifest = run_stage(stage_named("prepare"), config, workspace)

    out = tmp_path / "ws" / "prepare"
    assert manifest["counts"] == {"in": 9, "out": 8, "rejected": 1}
    assert manifest["rejected_reasons"] == {"invalid JSON": 1}
    splits = {name: list(read_jsonl(out / f"{name}.jsonl", Sample)) for name in ("train", "val", "test")}
    assert sum(len(v) for v in splits.values()) == sum(manifest["stats"]["samples"].values())
    assert manifest["stats"]["augmented"]["synonyms"] > 0 and manifest["stats"]["general"]["added"] > 0
    assert manifest["stats"]["per_task"]["qa"]["train"] >= 2
    info = json.loads((out / "dataset_info.json").read_text(encoding="utf-8"))
    assert {entry["file_name"] for entry in info.values()} <= {p.name for p in out.iterdir()}
    assert "prep-test_train_sharegpt" in info
    tasks = json.loads((out / "tasks.json").read_text(encoding="utf-8"))
    tokenizer = load_tokenizer(config.model.base)
    for name, spec in tasks.items():  # eval's answer budget: the longest training answer, end token included
        answers = [s.messages[-1].content for s in splits["train"] if s.task == name]
        longest = max((len(tokenizer(a, add_special_tokens=False)["input_ids"]) + 1 for a in answers), default=None)
        assert spec.pop("answer_tokens") == longest, name
    assert tasks["intent"] == {"name": "intent", "type": "intent", "tier": 2, "labels": ["挂失"]}
