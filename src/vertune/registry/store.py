"""The registry's storage: any fsspec URL, with the two writes a registry cannot do without.

Everything the registry stores goes through one fsspec filesystem (a local folder, or
``s3://bucket/prefix`` through s3fs for any S3-compatible store). Plain reads, listings and
blob uploads are the same code for every backend. Two writes must be atomic, and there the
backends differ:

- ``create``: write an object only if it does not exist, whole or not at all. A version's
  manifest is written this way, last, so two publishers cannot claim one version number and a
  reader never sees a half-published version. S3: ``PUT`` with ``If-None-Match: *``. A folder:
  the bytes go to a temporary file that is then hard-linked to the name (``link`` fails if the
  name exists; fsspec's own local ``mode="create"`` checks and writes in two steps).
- ``swap``: replace an object only if it still holds what the writer read (compare-and-swap),
  so two publishers moving an alias cannot silently overwrite each other. S3: ``PUT`` with
  ``If-Match: <ETag>``. A folder: an OS lock (``flock``), the check, then ``os.replace``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fsspec

from vertune.atomic import atomic_open, current_umask
from vertune.config import masked_url

INCOMING = ".incoming"  # S3 uploads in flight (hidden from listings)
_SHARED_MODE = 0o666 & ~current_umask()  # what an ordinary file write gets: a shared folder registry stays readable


class StaleWrite(RuntimeError):
    """A compare-and-swap found the object changed since it was read."""


class Store:
    """Objects under one fsspec URL, addressed by ``/``-separated keys."""

    def __init__(self, url: str, storage_options: dict[str, Any] | None = None) -> None:
        self.fs, root = fsspec.core.url_to_fs(url, **(storage_options or {}))
        self.root = root.rstrip("/")
        self.local = "file" in _protocols(self.fs)
        self.url = masked_url(url)  # what messages show

    def path(self, key: str) -> str:
        return f"{self.root}/{key}" if key else self.root

    # --- plain reads and writes (every backend alike) ------------------------------------------

    def read(self, key: str) -> bytes:
        """The object's bytes; FileNotFoundError when there is none."""
        self.fs.invalidate_cache(self.path(key))
        return self.fs.cat_file(self.path(key))

    def open(self, key: str) -> Any:
        return self.fs.open(self.path(key), "rb")

    def names(self, prefix: str) -> list[str]:
        """The names directly under ``prefix`` (empty when it does not exist), hidden ones left out."""
        self.fs.invalidate_cache(self.path(prefix))
        try:
            entries = self.fs.ls(self.path(prefix), detail=False)
        except FileNotFoundError:
            return []
        names = (entry.rstrip("/").rsplit("/", 1)[-1] for entry in entries)
        return sorted(name for name in names if not name.startswith("."))  # in-flight temporaries, lock files

    def upload(self, key: str, local_file: Path, sha256: str) -> None:
        """Copy a local file to ``key``, whole or not at all, and only if its bytes still hash to
        ``sha256`` (ValueError otherwise): the file is hashed as it is sent, so one that changed
        after the publisher hashed it cannot be stored under the old hash, and what is at ``key``
        already (another version's blob) is never touched by a failed upload. On a folder the copy
        is renamed into place; on S3 it goes to a temporary object under ``.incoming/`` first
        (discarded if the copy fails), then is copied to ``key`` inside the store, which is atomic."""
        changed = ValueError(f"{local_file} changed while it was being published (its sha256 is no longer {sha256})")
        with open(local_file, "rb") as source:
            if self.local:
                with atomic_open(Path(self.path(key)), "wb") as handle:
                    if sha256_stream(source, handle) != sha256:
                        raise changed  # before the rename: nothing is stored
                    os.fchmod(handle.fileno(), _SHARED_MODE)  # readable by the team, as a plain copy would be
                return
            incoming = f"{key.rsplit('/', 1)[0]}/{INCOMING}/{uuid.uuid4().hex}"
            handle = self.fs.open(self.path(incoming), "wb")
            try:
                digest = sha256_stream(source, handle)
            except BaseException:
                handle.discard()  # not close(): that would store the bytes sent so far
                raise
            handle.close()
        try:
            if digest != sha256:
                raise changed
            self.fs.copy(self.path(incoming), self.path(key))
        finally:
            self.delete(incoming)

    def modified(self, key: str) -> float:
        """When ``key`` was last written, by the store's clock (S3's LastModified, the file's mtime)."""
        self.fs.invalidate_cache(self.path(key))
        info = self.fs.info(self.path(key))
        modified = info.get("LastModified") or info.get("mtime") or info.get("created")
        return modified.timestamp() if hasattr(modified, "timestamp") else float(modified)

    def age_seconds(self, key: str) -> float:
        """Seconds since ``key`` was last written, by this machine's clock (gc leaves young blobs to
        a publisher in flight; its hour of grace dwarfs ordinary clock differences)."""
        return time.time() - self.modified(key)

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self.path(key))

    # --- the two atomic writes --------------------------------------------------------------

    def create(self, key: str, data: bytes) -> None:
        """Write ``data`` to ``key`` only if nothing is there; FileExistsError otherwise."""
        if self.local:
            target = Path(self.path(key))
            target.parent.mkdir(parents=True, exist_ok=True)
            with _temporary_copy(target, data) as tmp:
                os.link(tmp, target)  # atomic, and fails when the name exists
            return
        if not self._put_if(key, data, mode="create"):  # If-None-Match: *
            raise FileExistsError(f"{self.url}/{key} exists")

    def token(self, key: str) -> str | None:
        """What ``swap`` compares: the object's ETag on S3, its content hash on a folder; None if absent."""
        try:
            if self.local:
                return hashlib.sha256(Path(self.path(key)).read_bytes()).hexdigest()
            self.fs.invalidate_cache(self.path(key))
            return str(self.fs.info(self.path(key))["ETag"])
        except FileNotFoundError:
            return None

    def swap(self, key: str, data: bytes, expected: str | None) -> None:
        """Replace ``key`` with ``data`` if its token is still ``expected`` (None: if it does not
        exist yet); StaleWrite if another writer got there first."""
        if expected is None:
            try:
                return self.create(key, data)
            except FileExistsError:
                raise StaleWrite(f"{self.url}/{key} was created by another writer") from None
        if self.local:
            target = Path(self.path(key))
            with _lock(target):
                if self.token(key) != expected:
                    raise StaleWrite(f"{target} changed since it was read")
                with _temporary_copy(target, data) as tmp:
                    os.replace(tmp, target)
            return
        if not self._put_if(key, data, IfMatch=expected):
            raise StaleWrite(f"{self.url}/{key} changed since it was read")

    def _put_if(self, key: str, data: bytes, **condition: Any) -> bool:
        """One conditional S3 PUT; False when the store refused it because the condition failed."""
        try:
            self.fs.pipe_file(self.path(key), data, **condition)
            return True
        except Exception as error:
            if _precondition_failed(error):
                return False
            raise
        finally:
            self.fs.invalidate_cache(self.path(key))


def sha256_stream(source: Any, copy_to: Any = None) -> str:
    """The sha256 of a stream read to its end, also written to ``copy_to`` when given."""
    digest = hashlib.sha256()
    while chunk := source.read(1 << 20):
        digest.update(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
    return digest.hexdigest()


def _protocols(fs: fsspec.AbstractFileSystem) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


def _precondition_failed(error: Exception) -> bool:
    """Whether an S3 error is a refused conditional write: 412, or 409 ConditionalRequestConflict
    (a competing conditional write still in flight; the caller treats the name as taken)."""
    seen: BaseException | None = error
    while seen is not None:  # s3fs re-raises botocore's ClientError as an OSError; look through the chain
        if isinstance(seen, FileExistsError):
            return True
        code = str(getattr(seen, "response", {}).get("Error", {}).get("Code", ""))
        text = f"{code} {seen}"
        if any(mark in text for mark in ("PreconditionFailed", "412", "ConditionalRequestConflict", "pre-conditions")):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@contextlib.contextmanager
def _temporary_copy(target: Path, data: bytes) -> Iterator[str]:
    """``data`` in a fsynced temporary file beside ``target``, removed afterwards."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), _SHARED_MODE)  # mkstemp makes 0600
        yield tmp
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def _lock(target: Path, wait_seconds: float = 10.0) -> Iterator[None]:
    """An exclusive OS lock (``flock``) on a lock file beside ``target``. The file is never
    deleted and the kernel releases the lock when its holder dies, so there is no staleness to
    guess: a writer killed while holding it blocks no one, and a slow live one is never robbed."""
    lock = target.with_name(f".{target.name}.lock")  # hidden: listings leave it out
    lock.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    with open(lock, "a+b") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StaleWrite(f"{target} is locked by another writer ({lock})") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
