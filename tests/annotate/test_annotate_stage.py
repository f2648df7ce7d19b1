"""The annotate stage on a temporary workspace: its artifacts, counts and failure behaviour."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from annotation_samples import EXAMPLE_TASKS, FINANCE_LEXICON_FILE

from vertune.annotate.label_studio import LabelStudioError
from vertune.annotate.stage import INBOX
from vertune.atomic import atomic_write_json
from vertune.config import AnnotationConfig, Config
from vertune.pipeline import run_stage, stage_fingerprint
from vertune.records import Annotation, Document, write_jsonl
from vertune.stages import stage_named
from vertune.workspace import Workspace


def workspace_with_documents(tmp_path: Path, docs: list[Document], bad_line: bool = False) -> Workspace:
    workspace = Workspace(tmp_path / "ws")
    folder = workspace.stage_dir("preprocess")
    write_jsonl(folder / "documents.jsonl", docs)
    if bad_line:
        with (folder / "documents.jsonl").open("a", encoding="utf-8") as handle:
            handle.write('{"not": "a document"}\n')
    atomic_write_json(folder / "manifest.json", {"stage": "preprocess", "fingerprint": "test"})
    return workspace


def config_for(workspace: Workspace, annotation: AnnotationConfig) -> Config:
    return Config(project="t", workspace=str(workspace.root), annotation=annotation)


def test_simulated_stage_writes_every_artifact(tmp_path: Path, finance_docs: list[Document],
                                              finance_config: AnnotationConfig) -> None:
    workspace = workspace_with_documents(tmp_path, finance_docs, bad_line=True)
    manifest = run_stage(stage_named("annotate"), config_for(workspace, finance_config), workspace)
    out = workspace.stage_dir("annotate")
    counts = manifest["counts"]
    assert counts["in"] == counts["out"] + counts["rejected"] and counts["out"] > 0
    assert manifest["rejected_reasons"]["does not fit the record"] == 1
    gold = [json.loads(line) for line in (out / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(gold) == counts["out"] and {g["tier"] for g in gold} == {1, 2, 3}
    assert (out / "prelabels.jsonl").stat().st_size and (out / "annotations.jsonl").stat().st_size
    agreement = json.loads((out / "agreement.json").read_text(encoding="utf-8"))
    assert set(agreement) == {t.name for t in EXAMPLE_TASKS}
    assert "| intent | 2 | intent |" in (out / "agreement.md").read_text(encoding="utf-8")
    for task in EXAMPLE_TASKS:
        folder = out / "label_studio" / task.name
        ET.fromstring((folder / "config.xml").read_text(encoding="utf-8"))
        assert json.loads((folder / "tasks.json").read_text(encoding="utf-8"))
        assert (folder / "guideline.md").read_text(encoding="utf-8").startswith("# ")
        assert (out / "arbitration" / f"{task.name}.json").is_file()
        assert manifest["stats"][task.name]["gold"] > 0


def test_inbox_exports_are_imported_and_a_broken_file_changes_nothing(tmp_path: Path, finance_docs: list[Document]) -> None:
    docs = [d for d in finance_docs if d.meta["source_name"] == "service"]
    workspace = workspace_with_documents(tmp_path, docs)
    config = config_for(workspace, AnnotationConfig(lexicon=FINANCE_LEXICON_FILE, tasks=[t for t in EXAMPLE_TASKS if t.name == "intent"]))
    first = run_stage(stage_named("annotate"), config, workspace)
    assert first["counts"] == {"in": 10, "out": 10, "rejected": 0}  # known intents: pre-labelled candidates
    assert first["stats"]["intent"]["pre-labelled"] == 10

    tasks = json.loads((workspace.stage_dir("annotate") / "label_studio" / "intent" / "tasks.json").read_text(encoding="utf-8"))
    for task in tasks:  # two annotators accept the top prediction
        result = json.dumps(task["predictions"][0]["result"])
        task["annotations"] = [{"id": k, "completed_by": k, "result": json.loads(result)} for k in (1, 2)]
    (workspace.root / INBOX).mkdir()
    (workspace.root / INBOX / "intent.json").write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    second = run_stage(stage_named("annotate"), config, workspace)
    assert second["stats"]["intent"]["agreed"] == 10
    gold_file = workspace.stage_dir("annotate") / "gold.jsonl"
    published = gold_file.read_bytes()
    assert all(Annotation.model_validate_json(line).status == "gold" for line in published.splitlines())

    (workspace.root / INBOX / "intent.json").write_text(json.dumps(tasks, ensure_ascii=False)[:-2], encoding="utf-8")
    with pytest.raises(LabelStudioError, match=r"intent\.json: task -: field '<json>': not valid JSON"):
        run_stage(stage_named("annotate"), config, workspace)
    assert gold_file.read_bytes() == published  # the previous run's outputs are untouched

    tasks[3]["annotations"][1]["result"][0]["value"] = {"choices": []}  # one bad annotation
    tasks[5]["annotations"] = [{"id": 1, "completed_by": 1, "was_cancelled": True, "result": []}]  # one skipped task
    (workspace.root / INBOX / "intent.json").write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    third = run_stage(stage_named("annotate"), config, workspace)
    assert third["counts"] == {"in": 11, "out": 8, "rejected": 3}  # 10 items + the unreadable annotation
    assert third["stats"]["intent"]["agreed"] == 8 and third["stats"]["intent"]["skipped"] == 1
    rejected = [json.loads(line) for line in (workspace.stage_dir("annotate") / "rejected.jsonl").read_text(encoding="utf-8").splitlines()]
    by_reason = {r["reason"]: r for r in rejected}
    assert set(by_reason) == {"malformed Label Studio annotation", "skipped in Label Studio", "incomplete annotation"}
    bad = by_reason["malformed Label Studio annotation"]
    assert bad["item"].endswith("intent.json: task 4, annotation 2")
    assert bad["detail"].startswith("field 'annotations[1].result[0].value.choices'")
    assert by_reason["skipped in Label Studio"]["item"] == f"intent:{tasks[5]['data']['doc_id']}"


def test_editing_the_lexicon_or_the_synonym_list_reruns_the_stage_that_reads_it(tmp_path: Path, finance_docs: list[Document]) -> None:
    workspace = workspace_with_documents(tmp_path, finance_docs[:3])
    lexicon, synonyms = tmp_path / "lexicon.yaml", tmp_path / "synonyms.txt"
    lexicon.write_text("entity_labels: {company: 公司}\n", encoding="utf-8")
    synonyms.write_text("上涨 走高\n", encoding="utf-8")
    config = Config(project="t", workspace=str(workspace.root), annotation=AnnotationConfig(lexicon=str(lexicon)),
                    prepare={"augment": {"synonyms_file": str(synonyms)}})

    def fingerprints() -> tuple[str, str]:
        return tuple(stage_fingerprint(stage_named(name), config, workspace)[0] for name in ("annotate", "prepare"))

    annotate, prepare = fingerprints()
    lexicon.write_text("entity_labels: {company: 医院}\n", encoding="utf-8")
    after_lexicon = fingerprints()
    assert after_lexicon[0] != annotate and after_lexicon[1] == prepare
    synonyms.write_text("上涨 升高\n", encoding="utf-8")
    after_synonyms = fingerprints()
    assert after_synonyms[0] == after_lexicon[0] and after_synonyms[1] != prepare
