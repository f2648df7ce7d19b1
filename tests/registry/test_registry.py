from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vertune.registry import ChecksumMismatch, Registry, RegistryError, StaleWrite, Store
from vertune.workspace import file_sha256


def _model(folder: Path, weights: bytes = b"\x00weights\x01" * 100, config: str = '{"hidden_size": 8}') -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.safetensors").write_bytes(weights)
    (folder / "config.json").write_text(config, encoding="utf-8")
    (folder / "tokenizer").mkdir(exist_ok=True)
    (folder / "tokenizer" / "tokenizer.json").write_text("{}", encoding="utf-8")
    return folder


@pytest.fixture
def registry(registry_location: tuple[str, dict[str, Any]]) -> Registry:
    url, options = registry_location
    return Registry(url, options)


def test_publish_numbers_versions_and_lists_every_file_with_its_checksum(registry: Registry, tmp_path: Path) -> None:
    first, new = registry.publish("fin", _model(tmp_path / "a"), lineage={"base": "embedded:tiny-qwen3"})
    second, _ = registry.publish("fin", _model(tmp_path / "b", weights=b"other"))
    assert new and (first.number, second.number) == (1, 2)
    assert [v.number for v in registry.versions("fin")] == [1, 2] and registry.names() == ["fin"]
    shown = registry.resolve("fin@1").manifest
    assert shown["lineage"] == {"base": "embedded:tiny-qwen3"}
    assert sorted(f["path"] for f in shown["files"]) == ["config.json", "model.safetensors", "tokenizer/tokenizer.json"]
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in shown["files"])
    assert registry.resolve("fin").number == 2  # a bare name is the newest version


def test_hidden_files_are_not_published(registry: Registry, tmp_path: Path) -> None:
    folder = _model(tmp_path / "a")
    (folder / ".env").write_text("HF_TOKEN=secret", encoding="utf-8")
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("[core]", encoding="utf-8")
    version, _ = registry.publish("fin", folder)
    assert sorted(f["path"] for f in version.files) == ["config.json", "model.safetensors", "tokenizer/tokenizer.json"]


def test_identical_content_is_the_same_version_not_a_copy(registry: Registry, tmp_path: Path) -> None:
    first, _ = registry.publish("fin", _model(tmp_path / "a"))
    again, new = registry.publish("fin", _model(tmp_path / "copy"))  # same files, another folder
    assert not new and again.number == first.number and len(registry.versions("fin")) == 1


def test_a_file_that_changed_after_it_was_hashed_is_not_stored_under_the_old_hash(registry: Registry,
                                                                                 tmp_path: Path) -> None:
    weights = _model(tmp_path / "a") / "model.safetensors"
    stale = file_sha256(weights)
    weights.write_bytes(b"rewritten while the publisher was uploading")
    with pytest.raises(ValueError, match="changed while it was being published"):
        registry.store.upload(f"fin/blobs/{stale}", weights, stale)
    with pytest.raises(FileNotFoundError):
        registry.store.read(f"fin/blobs/{stale}")
    version, _ = registry.publish("fin", _model(tmp_path / "b"))  # the blob exists now, another version's
    with pytest.raises(ValueError, match="changed while it was being published"):
        registry.store.upload(f"fin/blobs/{stale}", weights, stale)
    assert registry.verify(version.ref) == [] and registry.store.names("fin/blobs") == sorted(
        f["sha256"] for f in version.files)  # the stored copy untouched, nothing left in flight


def test_gc_sweeps_what_an_uploader_killed_mid_copy_left_in_flight(registry: Registry, tmp_path: Path) -> None:
    registry.publish("fin", _model(tmp_path / "a"))
    registry.store.create("fin/blobs/.incoming/0123abcd", b"half a blob")  # what a killed S3 upload leaves
    assert registry.gc("fin", apply=True) == {"versions": [], "blobs": []}  # young: maybe still uploading
    assert registry.gc("fin", apply=True, grace_seconds=0) == {"versions": [], "blobs": [".incoming/0123abcd"]}
    assert registry.store.names("fin/blobs/.incoming") == [] and registry.verify("fin@1") == []


def test_a_version_whose_manifest_is_missing_does_not_exist(registry: Registry, tmp_path: Path) -> None:
    """What a publisher killed after its uploads and before its manifest leaves: blobs only."""
    registry.publish("fin", _model(tmp_path / "a"))
    orphan = _model(tmp_path / "b") / "model.safetensors"
    registry.store.upload("fin/blobs/" + "f" * 64, orphan, file_sha256(orphan))  # an orphan upload
    assert [v.number for v in registry.versions("fin")] == [1]
    assert registry.gc("fin", apply=True) == {"versions": [], "blobs": []}  # young: maybe a publisher in flight
    assert registry.gc("fin", apply=True, grace_seconds=0) == {"versions": [], "blobs": ["f" * 64]}
    assert registry.gc("fin", grace_seconds=0) == {"versions": [], "blobs": []} and registry.verify("fin@1") == []


def test_gc_keeps_what_an_alias_points_to_or_rolls_back_to_and_the_newest(registry: Registry, tmp_path: Path) -> None:
    for k in range(1, 5):
        registry.publish("fin", _model(tmp_path / str(k), weights=bytes([k]) * 10))
    registry.set_alias("fin", "production", 1)
    registry.set_alias("fin", "production", 2)  # rollback would go to 1
    assert registry.gc("fin", apply=True, grace_seconds=0) == {"versions": [3], "blobs": [_sha(bytes([3]) * 10)]}
    assert [v.number for v in registry.versions("fin")] == [1, 2, 4]
    assert registry.rollback("fin")["version"] == 1 and registry.verify("fin@1") == []


def test_gc_and_an_alias_move_in_other_processes_never_leave_the_alias_on_a_removed_version(
        registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each side writes its mark before it looks for the other's (see ``Registry._remove_version``)."""
    import vertune.registry.registry as module

    for k in range(1, 4):
        registry.publish("fin", _model(tmp_path / str(k), weights=bytes([k]) * 10))
    registry.store.create("fin/pins/000001.other-writer.json", b"{}")  # set_alias elsewhere, about to move an alias to 1
    assert registry.gc("fin", apply=True, grace_seconds=0)["versions"] == [2]  # 1 is pinned: kept
    registry.store.create("fin/removing/000003.json", b"{}")  # gc elsewhere, about to remove 3
    with pytest.raises(RegistryError, match="being removed"):
        registry.set_alias("fin", "candidate", 3)
    assert registry.alias("fin", "candidate") is None
    registry.publish("fin", _model(tmp_path / "4", weights=b"four"))
    registry.set_alias("fin", "production", 4)  # 3 is no longer the newest, and has no alias
    assert registry.gc("fin", apply=True, grace_seconds=0)["versions"] == []  # the other gc holds 3, the pin holds 1
    monkeypatch.setattr(module, "PIN_SECONDS", 0.0)  # every mark now looks like a crashed writer's
    assert registry.set_alias("fin", "candidate", 3)["version"] == 3  # the stale mark no longer counts
    assert registry.gc("fin", apply=True, grace_seconds=0)["versions"] == [1]
    assert [v.number for v in registry.versions("fin")] == [3, 4]
    assert registry.store.names("fin/pins") == [] and registry.store.names("fin/removing") == []  # stale ones swept


def test_a_version_removed_between_the_listing_and_the_read_is_left_out(registry: Registry, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    registry.publish("fin", _model(tmp_path / "a"))
    listed = registry.store.names("fin/versions")
    monkeypatch.setattr(registry.store, "names", lambda prefix: [*listed, "000002.json"])  # gc took 2 since
    assert [v.number for v in registry.versions("fin")] == [1]


def test_two_publishers_never_share_a_version_number(registry: Registry, tmp_path: Path) -> None:
    """The loser of the create-only manifest write takes the next number."""
    store = registry.store
    store.create("fin/versions/000001.json", json.dumps({"name": "fin", "version": 1, "content_id": "x", "files": [],
                                                        "lineage": {}}).encode())
    version, _ = registry.publish("fin", _model(tmp_path / "a"))
    assert version.number == 2
    with pytest.raises(FileExistsError):
        store.create("fin/versions/000002.json", b"{}")
    assert registry.version("fin", 2).manifest["content_id"] == version.manifest["content_id"]


def test_a_publisher_that_loses_the_race_to_a_number_takes_the_next_or_the_winners_same_content(
        registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another publisher writes manifest N between this one's listing and its create-only write."""
    store, create = registry.store, registry.store.create
    folder = _model(tmp_path / "a")

    def rival(content_id: str) -> None:
        def racing_create(key: str, data: bytes) -> None:
            monkeypatch.setattr(store, "create", create)  # the rival writes once, first
            winner = {**json.loads(data), "content_id": content_id or json.loads(data)["content_id"]}
            create(key, json.dumps(winner).encode())
            create(key, data)
        monkeypatch.setattr(store, "create", racing_create)

    rival("another content")
    version, new = registry.publish("fin", folder)
    assert new and version.number == 2 and registry.version("fin", 1).manifest["content_id"] == "another content"
    rival("")  # the rival publishes this very content as number 3
    (folder / "config.json").write_text('{"hidden_size": 9}', encoding="utf-8")
    version, new = registry.publish("fin", folder)
    assert not new and version.number == 3 and [v.number for v in registry.versions("fin")] == [1, 2, 3]


def test_a_rival_whose_manifest_write_is_still_in_flight_costs_a_number_not_an_error(
        registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """S3 answers a racing conditional write with 409 before the winner's object is readable."""
    store, create = registry.store, registry.store.create

    def in_flight(key: str, data: bytes) -> None:
        monkeypatch.setattr(store, "create", create)
        raise FileExistsError(key)  # the rival holds number 1, its manifest not readable yet

    monkeypatch.setattr(store, "create", in_flight)
    version, new = registry.publish("fin", _model(tmp_path / "a"))
    assert new and version.number == 2


def test_a_manifest_path_that_leaves_the_cache_is_refused(registry: Registry, tmp_path: Path) -> None:
    """The manifest comes from shared storage: pull must not write where a tampered one says."""
    registry.publish("fin", _model(tmp_path / "a"))
    for bad in ("../escaped.bin", "/tmp/absolute.bin", "a/../../b", "tokenizer/./x"):
        manifest = json.loads(registry.store.read("fin/versions/000001.json"))
        manifest["files"][0]["path"] = bad
        registry.store.delete("fin/versions/000001.json")
        registry.store.create("fin/versions/000001.json", json.dumps(manifest).encode())
        with pytest.raises(RegistryError, match="unsafe file path"):
            registry.pull("fin@1", tmp_path / "cache")
        with pytest.raises(RegistryError, match="unsafe file path"):
            registry.verify("fin@1")
    assert not (tmp_path / "escaped.bin").exists() and not Path("/tmp/absolute.bin").exists()
    with pytest.raises(RegistryError, match="bad name"):
        registry.resolve("../fin@1")
    with pytest.raises(RegistryError, match="bad name"):
        registry.resolve("fin@../x")


def test_pull_verifies_every_file_and_names_a_corrupted_one(registry: Registry, tmp_path: Path) -> None:
    version, _ = registry.publish("fin", _model(tmp_path / "a"))
    pulled = registry.pull("fin@1", tmp_path / "cache")
    assert (pulled / "model.safetensors").read_bytes() == (tmp_path / "a" / "model.safetensors").read_bytes()
    assert (pulled / "tokenizer" / "tokenizer.json").exists()
    weights = next(f for f in version.files if f["path"] == "model.safetensors")
    key = f"fin/blobs/{weights['sha256']}"
    data = bytearray(registry.store.read(key))
    data[5] ^= 0xFF  # flip one byte in the store
    registry.store.delete(key)
    registry.store.create(key, bytes(data))
    assert registry.verify("fin@1") == [f"model.safetensors: sha256 {_sha(bytes(data))[:12]}… but the manifest says "
                                        f"{weights['sha256'][:12]}…"]
    with pytest.raises(ChecksumMismatch, match="model.safetensors"):
        registry.pull("fin@1", tmp_path / "fresh-cache")
    assert not list((tmp_path / "fresh-cache" / "fin").glob("1*"))  # nothing half-downloaded is kept


def test_the_pull_cache_never_hands_out_another_registrys_version_of_the_same_number(tmp_path: Path) -> None:
    one, two = Registry(str(tmp_path / "one")), Registry(str(tmp_path / "two"))
    one.publish("fin", _model(tmp_path / "a", weights=b"project one"))
    two.publish("fin", _model(tmp_path / "b", weights=b"project two"))
    cache = tmp_path / "cache"
    assert (one.pull("fin@1", cache) / "model.safetensors").read_bytes() == b"project one"
    assert (two.pull("fin@1", cache) / "model.safetensors").read_bytes() == b"project two"


def test_aliases_move_by_compare_and_swap_and_roll_back(registry: Registry, tmp_path: Path) -> None:
    for k in range(3):
        registry.publish("fin", _model(tmp_path / str(k), weights=bytes([k]) * 10))
    registry.set_alias("fin", "production", 1, expected=None)
    registry.set_alias("fin", "production", 2, expected=1)
    with pytest.raises(StaleWrite):  # a publisher that read "1" before the move above
        registry.set_alias("fin", "production", 3, expected=1)
    assert registry.resolve("fin@production").number == 2
    registry.set_alias("fin", "candidate", 3)
    assert sorted(registry.aliases("fin")) == ["candidate", "production"]
    assert registry.rollback("fin", "production")["version"] == 1
    history = [h["version"] for h in registry.alias("fin", "production")["history"]]
    assert history == [1, 2, 1]
    assert registry.gc("fin", grace_seconds=0) == {"versions": [], "blobs": []}  # 2 is production's way back


def test_a_stale_token_is_refused_by_the_store_itself(registry: Registry) -> None:
    store: Store = registry.store
    store.swap("fin/aliases/x.json", b'{"version": 1}', None)
    token = store.token("fin/aliases/x.json")
    store.swap("fin/aliases/x.json", b'{"version": 2}', token)
    with pytest.raises(StaleWrite):
        store.swap("fin/aliases/x.json", b'{"version": 3}', token)  # the token of the overwritten content
    with pytest.raises(StaleWrite):
        store.swap("fin/aliases/x.json", b'{"version": 3}', None)  # "create" when it exists
    assert json.loads(store.read("fin/aliases/x.json")) == {"version": 2}


def test_bad_references_and_unknown_versions_are_clear_errors(registry: Registry, tmp_path: Path) -> None:
    registry.publish("fin", _model(tmp_path / "a"))
    with pytest.raises(RegistryError, match="fin@7 is not published"):
        registry.resolve("fin@7")
    with pytest.raises(RegistryError, match="no alias 'production'"):
        registry.resolve("fin@production")
    with pytest.raises(RegistryError, match="no version of 'other'"):
        registry.resolve("other")
    with pytest.raises(RegistryError, match="bad name"):
        registry.publish("../escape", tmp_path / "a")
    with pytest.raises(RegistryError, match="is not published"):
        registry.set_alias("fin", "production", 9)


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


PUBLISHER = """
import sys, json
from pathlib import Path
from vertune.registry import Registry
url, options, folder = sys.argv[1], json.loads(sys.argv[2]), Path(sys.argv[3])
Registry(url, options).publish("fin", folder)
"""


def test_a_publisher_killed_mid_upload_leaves_no_partial_version(registry_location: tuple[str, dict[str, Any]],
                                                                 tmp_path: Path) -> None:
    """kill -9 while the blobs upload: the version is absent (or, had it finished, complete)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    url, options = registry_location
    folder = tmp_path / "big"
    folder.mkdir()
    for k in range(20):  # large enough that the kill usually lands inside a file's copy
        (folder / f"shard-{k:02d}.bin").write_bytes(os.urandom(2 << 20))
    registry = Registry(url, options)
    child = subprocess.Popen([sys.executable, "-c", PUBLISHER, url, json.dumps(options), str(folder)])
    try:
        deadline = time.monotonic() + 60
        while not registry.store.names("fin/blobs") and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.01)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    versions = registry.versions("fin")
    uploaded = len(registry.store.names("fin/blobs"))
    assert uploaded > 0  # the kill did land during the uploads
    if versions:  # it finished first: then it is whole
        assert uploaded == 20 and registry.verify("fin@1") == []
    for blob in registry.store.names("fin/blobs"):  # what it left is whole: each blob hashes to its name
        assert _sha(registry.store.read(f"fin/blobs/{blob}")) == blob
    # A later publisher of the same folder completes it as version 1: every blob the killed one
    # left is whole (a truncated one under its hash would be skipped and fail verify).
    version, new = registry.publish("fin", folder)
    assert new == (not versions) and version.number == 1 and registry.verify("fin@1") == []
