from pathlib import Path

import pytest

from vertune.atomic import atomic_dir
from vertune.workspace import NotAWorkspace, Workspace, WorkspaceLocked, hash_inputs


def test_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    with workspace.lock():
        with pytest.raises(WorkspaceLocked, match=r"in use by pid \d+"):
            with Workspace(tmp_path).lock():
                pass
    with workspace.lock():  # released on exit
        pass


def test_artifact_of_a_stage_that_never_ran_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="stage 'ingest' has not completed"):
        Workspace(tmp_path).artifact("ingest", "documents.jsonl")


def test_atomic_dir_keeps_the_old_folder_when_building_fails(tmp_path: Path) -> None:
    target = tmp_path / "stage"
    with atomic_dir(target) as out:
        (out / "a.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_dir(target) as out:
            (out / "a.txt").write_text("half")
            raise RuntimeError("killed")
    assert (target / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stage"]


def test_stale_temporaries_are_removed(tmp_path: Path) -> None:
    (tmp_path / ".ingest.abc.tmp").mkdir()
    (tmp_path / "ingest").mkdir()
    removed = Workspace(tmp_path).remove_stale_temporaries()
    assert [p.name for p in removed] == [".ingest.abc.tmp"]
    assert (tmp_path / "ingest").exists()


def test_input_hashes_change_with_content(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.txt").write_text("1")
    before = hash_inputs([tmp_path / "raw"], base=tmp_path)
    assert list(before) == ["raw/a.txt"]
    (tmp_path / "raw" / "a.txt").write_text("2")
    assert hash_inputs([tmp_path / "raw"], base=tmp_path) != before


def test_a_file_is_not_a_workspace(tmp_path: Path) -> None:
    (tmp_path / "ws").write_text("x", encoding="utf-8")
    with pytest.raises(NotAWorkspace, match=r"workspace .*ws is a file, not a folder"):
        Workspace(tmp_path / "ws")
