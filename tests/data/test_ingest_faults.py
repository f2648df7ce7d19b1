"""Faults around the files rather than inside them (issue 9, section 5): unreadable files, paths
that match nothing, broken links, a workspace inside a source folder, paths outside the
project. Each ends as a named rejection, a warning on screen and in the manifest, or a clear
error naming the source; never a traceback, never silence."""

from __future__ import annotations

import json
import os
import pathlib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from vertune.cli import app
from vertune.config import SourceConfig, load_config
from vertune.data import sources
from vertune.data.ingest import IngestWarning, SourceProblem, expand_source, ingest
from vertune.pipeline import run_pipeline
from vertune.records import Document, Rejection, Table, read_jsonl
from vertune.stages import STAGES

runner = CliRunner()


def project(tmp_path: Path, sources_yaml: str, workspace: str = "ws") -> Path:
    """A project folder with raw/a.txt and raw/b.txt and a config naming ``sources_yaml``."""
    root = tmp_path / "project"
    (root / "raw").mkdir(parents=True)
    (root / "raw" / "a.txt").write_text("第一份文件的正文内容。", encoding="utf-8")
    (root / "raw" / "b.txt").write_text("第二份文件的正文内容。", encoding="utf-8")
    config = root / "vertune.yaml"
    config.write_text(f"project: faults\nworkspace: {workspace}\nsources:\n{sources_yaml}", encoding="utf-8")
    return config


def ingest_manifest(config: Path) -> dict[str, Any]:
    return json.loads((load_config(config).workspace_dir / "ingest" / "manifest.json").read_text(encoding="utf-8"))


def rejected(config: Path) -> list[Rejection]:
    path = load_config(config).workspace_dir / "ingest" / "rejected.jsonl"
    return list(read_jsonl(path, Rejection)) if path.exists() else []


def unreadable(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make every open of a file called ``name`` fail as permission denied (tests run as root,
    for whom chmod 000 changes nothing)."""
    real_open = pathlib.Path.open

    def guarded_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", guarded_open)


def test_an_unreadable_file_is_rejected_and_the_others_ingested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = project(tmp_path, "  - {name: notes, path: raw}\n")
    unreadable(monkeypatch, "b.txt")
    result = runner.invoke(app, ["ingest", "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    manifest = ingest_manifest(config)
    assert manifest["counts"] == {"in": 2, "out": 1, "rejected": 1}
    [rejection] = rejected(config)
    assert rejection.item.endswith("b.txt") and rejection.reason == "unreadable file"
    assert "Permission denied" in rejection.detail
    assert manifest["inputs"]["raw/b.txt"].startswith("unreadable")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads a chmod 000 file anyway")
def test_a_chmod_000_file_is_rejected_and_the_others_ingested(tmp_path: Path) -> None:
    config = project(tmp_path, "  - {name: notes, path: raw}\n")
    (config.parent / "raw" / "b.txt").chmod(0)
    run_pipeline(load_config(config), STAGES, wanted=["ingest"])
    assert [r.reason for r in rejected(config)] == ["unreadable file"]


def test_a_source_that_matches_nothing_fails_naming_it(tmp_path: Path) -> None:
    config = project(tmp_path, "  - {name: notes, path: raw}\n  - {name: filings, path: 'raw/pdf/*.pdf'}\n")
    result = runner.invoke(app, ["ingest", "-c", str(config)])
    assert result.exit_code == 1, result.output
    assert "source 'filings'" in result.output and "raw/pdf/*.pdf" in result.output
    assert "Traceback" not in result.output
    assert not (config.parent / "ws" / "ingest").exists()


def test_an_optional_source_that_matches_nothing_is_a_warning_on_screen_and_in_the_manifest(tmp_path: Path) -> None:
    config = project(tmp_path, "  - {name: notes, path: raw}\n  - {name: filings, path: 'raw/pdf/*.pdf', optional: true}\n")
    result = runner.invoke(app, ["ingest", "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert "warning" in result.output and "filings" in result.output
    manifest = ingest_manifest(config)
    assert manifest["counts"] == {"in": 2, "out": 2, "rejected": 0}
    assert any("filings" in warning and "matches no file" in warning for warning in manifest["stats"]["warnings"])


def test_symlink_loops_and_dangling_links_are_named(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    (raw / "good.txt").write_text("正常的文件内容。", encoding="utf-8")
    (raw / "dangling.txt").symlink_to(raw / "deleted.txt")
    (raw / "self.txt").symlink_to(raw / "self.txt")
    (raw / "sub" / "up").symlink_to(raw, target_is_directory=True)  # a folder link back to its ancestor
    os.mkfifo(raw / "pipe.txt")  # reading it would block forever
    warnings: list[str] = []
    items = list(ingest([SourceConfig(name="s", path="raw")], tmp_path, on_warning=warnings.append))
    reasons = {Path(i.item).name: i.reason for i in items if isinstance(i, Rejection)}
    assert reasons == {"dangling.txt": "dangling symlink", "self.txt": "symlink loop", "up": "symlink loop",
                       "pipe.txt": "not a regular file"}
    assert [i.text for i in items if isinstance(i, Document)] == ["正常的文件内容。"]
    assert len(warnings) == 4 and any("dangling.txt" in w for w in warnings)
    globbed = list(ingest([SourceConfig(name="g", path="raw/*.txt")], tmp_path, on_warning=warnings.append))
    assert sorted(i.reason for i in globbed if isinstance(i, Rejection)) == ["dangling symlink", "not a regular file",
                                                                           "symlink loop"]


def test_an_unreadable_folder_or_failing_glob_is_named_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "raw" / "locked").mkdir(parents=True)
    (tmp_path / "raw" / "a.txt").write_text("可以读的文件。", encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    items = list(ingest([SourceConfig(name="s", path="raw")], tmp_path, on_warning=lambda message: None))
    assert [(Path(i.item).name, i.reason, i.detail) for i in items if isinstance(i, Rejection)] == [
        ("locked", "unreadable folder", "Permission denied")]

    def failing_glob(self: Path, pattern: str) -> Any:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(pathlib.Path, "glob", failing_glob)
    [rejection] = ingest([SourceConfig(name="g", path="raw/*.txt")], tmp_path, on_warning=lambda message: None)
    assert (rejection.item, rejection.reason, rejection.detail) == ("raw/*.txt", "unreadable path", "Input/output error")


def test_a_source_kept_inside_the_workspace_is_still_read(tmp_path: Path) -> None:
    (tmp_path / "ws" / "inbox").mkdir(parents=True)
    (tmp_path / "ws" / "inbox" / "a.txt").write_text("放在工作区里的来源。", encoding="utf-8")
    spec = SourceConfig(name="s", path="ws/inbox")
    assert expand_source(spec, tmp_path, exclude=[tmp_path / "ws"]) == [tmp_path / "ws" / "inbox" / "a.txt"]


def test_the_workspace_inside_a_source_folder_is_not_read_back(tmp_path: Path) -> None:
    config = project(tmp_path, "  - {name: notes, path: raw}\n  - {name: texts, path: 'raw/**/*.txt'}\n",
                     workspace="raw/ws")
    counts = []
    for _ in range(3):
        run_pipeline(load_config(config), STAGES, wanted=["ingest"], force=["ingest"])
        (config.parent / "raw" / "ws" / "ingest" / "notes.txt").write_text("工作区里的文件。", encoding="utf-8")
        counts.append(ingest_manifest(config)["counts"]["out"])
    assert counts == [4, 4, 4]
    assert all("raw/ws" not in path for path in ingest_manifest(config)["inputs"])


def test_a_source_outside_the_project_folder_needs_allow_outside(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "passwd.txt").write_text("root:x:0:0:root:/root:/bin/bash", encoding="utf-8")
    config = project(tmp_path, "  - {name: secrets, path: ../elsewhere/passwd.txt}\n")
    result = runner.invoke(app, ["ingest", "-c", str(config)])
    assert result.exit_code == 1, result.output
    assert "source 'secrets'" in result.output and "outside the project folder" in result.output
    assert "allow_outside" in result.output
    assert load_config(config).sources[0].allow_outside is False

    allowed = project(tmp_path / "2", f"  - {{name: secrets, path: {outside}/passwd.txt, allow_outside: true}}\n")
    run_pipeline(load_config(allowed), STAGES, wanted=["ingest"])
    assert ingest_manifest(allowed)["counts"]["out"] == 1


def test_a_link_inside_a_source_folder_that_leads_outside_needs_allow_outside(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret.txt").write_text("外部的文件。", encoding="utf-8")
    project_dir = tmp_path / "project"
    (project_dir / "raw").mkdir(parents=True)
    (project_dir / "raw" / "link.txt").symlink_to(tmp_path / "elsewhere" / "secret.txt")
    spec = SourceConfig(name="s", path="raw")
    with pytest.warns(IngestWarning, match="link.txt: outside the project folder"):
        [rejection] = ingest([spec], project_dir)
    assert isinstance(rejection, Rejection) and rejection.reason == "outside the project folder"
    assert "allow_outside" in rejection.detail
    [doc] = ingest([spec.model_copy(update={"allow_outside": True})], project_dir)
    assert isinstance(doc, Document) and doc.text == "外部的文件。"
    assert expand_source(spec, project_dir) == []


def test_ingest_refuses_every_bad_source_before_reading_any(tmp_path: Path) -> None:
    specs = [SourceConfig(name="gone", path="nothing/*.csv"), SourceConfig(name="up", path="../x.txt")]
    with pytest.raises(SourceProblem) as caught:
        list(ingest(specs, tmp_path))
    assert "source 'gone'" in str(caught.value) and "source 'up'" in str(caught.value)


def test_a_document_that_cannot_be_written_is_rejected_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader's table cell with a lone surrogate (e.g. a broken ToUnicode map) passes Document
    validation but cannot be serialised: the stage rejects that document and keeps the others."""
    real_text_reader = sources.READERS["text"]

    def reader(path: Path, options: sources.ReadOptions):
        for doc in real_text_reader(path, options):
            if path.name == "b.txt":
                doc = doc.model_copy(update={"tables": [Table(rows=[["\ud800"]])]})
            yield doc

    monkeypatch.setitem(sources.READERS, "text", reader)
    config = project(tmp_path, "  - {name: notes, path: raw}\n")
    result = runner.invoke(app, ["ingest", "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert ingest_manifest(config)["counts"] == {"in": 2, "out": 1, "rejected": 1}
    [rejection] = rejected(config)
    assert rejection.reason == "cannot be written" and rejection.item.endswith("b.txt")
