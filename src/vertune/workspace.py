"""The workspace: one folder per stage, a manifest per stage, a lock, up-to-date checks.

A stage's folder is complete exactly when it holds ``manifest.json``: stages build their
output in a temporary sibling folder and swap it in whole (``atomic_dir``), manifest last, so
a run killed mid-stage leaves the previous complete output or nothing — never half an
artifact that looks finished.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import platform
import shutil
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
REJECTED = "rejected.jsonl"
LOCK_FILE = ".vertune.lock"
TRACKED_LIBRARIES = ("vertune", "torch", "transformers", "peft", "tokenizers", "accelerate", "pydantic", "datasketch",
                     "torchao", "fsspec", "s3fs")


class WorkspaceLocked(RuntimeError):
    """Another process is writing this workspace."""


class NotAWorkspace(ValueError):
    """The workspace path names something that is not a folder (e.g. an existing file)."""


class Workspace:
    """Paths and manifests of one project's artifacts."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        if self.root.exists() and not self.root.is_dir():
            raise NotAWorkspace(f"workspace {self.root} is a file, not a folder")

    def stage_dir(self, stage: str) -> Path:
        return self.root / stage

    def scratch_dir(self, stage: str) -> Path:
        """A folder that survives a killed run, for work a stage can resume (checkpoints)."""
        return self.root / ".scratch" / stage

    def artifact(self, stage: str, name: str) -> Path:
        """A file of a *completed* stage; a clear error when that stage has not run."""
        if self.manifest(stage) is None:
            raise FileNotFoundError(f"stage '{stage}' has not completed in {self.root}; run `vertune {stage}` first")
        return self.stage_dir(stage) / name

    def manifest(self, stage: str) -> dict[str, Any] | None:
        """The stage's manifest, or None while the stage has never completed."""
        path = self.stage_dir(stage) / MANIFEST
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def remove_stale_temporaries(self) -> list[Path]:
        """Delete the temporary folders a killed run left behind (call under the lock)."""
        if not self.root.exists():
            return []
        stale = [p for p in self.root.iterdir() if p.name.startswith(".") and p.name.endswith((".tmp", ".old"))]
        for path in stale:
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
        return stale

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the workspace for this process; a second writer fails at once with who holds it.

        An OS file lock (``flock``) is released by the kernel when the holder dies, so a killed
        run never leaves the workspace locked.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / LOCK_FILE
        handle = path.open("a+", encoding="utf-8")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                if err.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise WorkspaceLocked(f"workspace {self.root} is in use by {holder}") from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()} since {now_iso()}\n")
            handle.flush()
            yield
        finally:
            handle.close()


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def hash_inputs(paths: Iterable[Path], base: Path | None = None) -> dict[str, str]:
    """``{path: sha256}`` for every file (folders expanded), paths shown relative to ``base``.

    A file that cannot be read hashes as ``unreadable: <reason>``: the stage reading it rejects
    it with that reason, and once it is readable its hash changes and the stage runs again."""
    hashes: dict[str, str] = {}
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if not file.exists():
                continue
            shown = os.path.relpath(file, base) if base else str(file)
            try:
                hashes[shown] = file_sha256(file)
            except OSError as err:
                hashes[shown] = f"unreadable: {err.strerror or type(err).__name__}"
    return dict(sorted(hashes.items()))


def fingerprint(*parts: Any) -> str:
    """One hash over everything a stage's output depends on."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in TRACKED_LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions
