"""Model versions and aliases in object storage: immutable, checksummed, content-addressed.

Layout under ``registry.url`` (see ``store.Store``), for a model ``NAME``::

    NAME/blobs/<sha256>              every file, named by its content (shared across versions)
    NAME/versions/<000001>.json      a version's manifest: files (path, sha256, size), lineage
    NAME/aliases/<alias>.json        {"version": N, "history": [...]}, moved by compare-and-swap
    NAME/pins/, NAME/removing/       short-lived marks that keep ``gc`` and ``set_alias`` apart

A version exists exactly when its manifest does. ``publish`` uploads the blobs first and
writes the manifest last with a create-only write, so a publisher killed half-way leaves
unreferenced blobs (``gc`` removes them) and never a partial version, and two publishers
cannot both claim one number: the loser takes the next. Identical content (same paths and
hashes) is the same version: publishing it again returns the existing number.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from vertune.atomic import atomic_dir
from vertune.config import Config
from vertune.registry.store import INCOMING, StaleWrite, Store, sha256_stream
from vertune.workspace import file_sha256

VERSION_DIGITS = 6
GC_GRACE_SECONDS = 3600.0  # longer than any publish's uploads
PIN_SECONDS = 600.0  # longer than any alias move
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_REF = re.compile(r"^(?P<name>[^@]+)(?:@(?P<target>[^@]+))?$")


class RegistryError(ValueError):
    """A registry request that cannot be met (unknown name, version or alias; bad reference)."""


class ChecksumMismatch(RegistryError):
    """A stored file does not hash to what its version's manifest says."""


@dataclass(frozen=True)
class Version:
    """One published version: its manifest as stored."""

    name: str
    number: int
    manifest: dict[str, Any]

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.number}"

    @property
    def files(self) -> list[dict[str, Any]]:
        return self.manifest["files"]


class Registry:
    """The versions and aliases of every model under one URL."""

    def __init__(self, url: str, storage_options: dict[str, Any] | None = None) -> None:
        self.store = Store(url, storage_options)

    # --- versions ------------------------------------------------------------------------------

    def publish(self, name: str, folder: Path, lineage: dict[str, Any] | None = None) -> tuple[Version, bool]:
        """Publish every file of ``folder`` (hidden ones left out) as the next version of ``name``; returns the version
        and whether it is new (False: identical content was published before as that version)."""
        _check_name(name)
        paths = [p for p in sorted(folder.rglob("*"))  # hidden files (.env, .git/) are no part of a model
                 if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)]
        files = [{"path": p.relative_to(folder).as_posix(), "sha256": file_sha256(p), "size": p.stat().st_size}
                 for p in paths]
        if not files:
            raise RegistryError(f"{folder} holds no file to publish")
        content = content_id(files)
        for version in self.versions(name):
            if version.manifest["content_id"] == content:
                return version, False
        for entry, path in zip(files, paths):
            # Uploaded even when present: the write makes the blob young, and gc leaves young blobs
            # to the publisher in flight (an old one skipped here could be collected before the
            # manifest lists it). Identical content returned above, so this re-sends only shared files.
            self.store.upload(f"{name}/blobs/{entry['sha256']}", path, entry["sha256"])
        manifest = {"name": name, "content_id": content, "files": files, "lineage": lineage or {},
                    "published_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        number = max((v.number for v in self.versions(name)), default=0) + 1
        while True:
            body = json.dumps({**manifest, "version": number}, ensure_ascii=False, indent=2).encode()
            try:
                self.store.create(_manifest_key(name, number), body)
                return Version(name, number, {**manifest, "version": number}), True
            except FileExistsError:  # another publisher took this number first: maybe with this very content
                winner = self._winner(name, number)
                if winner is not None and winner.manifest["content_id"] == content:
                    return winner, False
                number += 1

    def _winner(self, name: str, number: int, tries: int = 5) -> Version | None:
        """The manifest another publisher holds number ``number`` with; None while its write is
        still in flight (S3 answers a racing conditional write with 409 before the winner lands)."""
        for attempt in range(tries):
            try:
                return self.version(name, number)
            except RegistryError:
                time.sleep(0.1 * (attempt + 1))
        return None

    def versions(self, name: str) -> list[Version]:
        """Every published version of ``name``, oldest first (one ``gc`` removes between the
        listing and the read is left out, not an error)."""
        _check_name(name)
        numbers = sorted(int(n.removesuffix(".json")) for n in self.store.names(f"{name}/versions")
                         if re.fullmatch(r"\d+\.json", n))
        found = []
        for number in numbers:
            try:
                found.append(self.version(name, number))
            except RegistryError:
                continue
        return found

    def names(self) -> list[str]:
        return [n for n in self.store.names("") if _NAME.match(n) and self.store.names(f"{n}/versions")]

    def version(self, name: str, number: int) -> Version:
        _check_name(name)
        try:
            manifest = json.loads(self.store.read(_manifest_key(name, number)))
        except FileNotFoundError:
            raise RegistryError(f"{name}@{number} is not published in {self.store.url}") from None
        return Version(name, number, manifest)

    def resolve(self, ref: str) -> Version:
        """``NAME@3``, ``NAME@production`` (an alias) or ``NAME`` (the newest version)."""
        match = _REF.match(ref.strip())
        if not match:
            raise RegistryError(f"bad reference {ref!r}: expected NAME, NAME@VERSION or NAME@ALIAS")
        name, target = match["name"], match["target"]
        _check_name(name)
        if target is None:
            versions = self.versions(name)
            if not versions:
                raise RegistryError(f"no version of {name!r} in {self.store.url}")
            return versions[-1]
        if target.isdigit():
            return self.version(name, int(target))
        alias = self.alias(name, target)
        if alias is None:
            raise RegistryError(f"{name} has no alias {target!r} (aliases: {', '.join(self.aliases(name)) or 'none'})")
        return self.version(name, alias["version"])

    def verify(self, ref: str) -> list[str]:
        """Every stored file of a version hashed again; the problems found (empty: intact)."""
        version = self.resolve(ref)
        problems = []
        for entry in _checked_files(version):
            key = f"{version.name}/blobs/{entry['sha256']}"
            try:
                with self.store.open(key) as handle:
                    digest = sha256_stream(handle)
            except FileNotFoundError:
                problems.append(f"{entry['path']}: missing ({key})")
                continue
            if digest != entry["sha256"]:
                problems.append(f"{entry['path']}: sha256 {digest[:12]}… but the manifest says {entry['sha256'][:12]}…")
        return problems

    def pull(self, ref: str, cache: Path) -> Path:
        """The version's files in ``cache/NAME/VERSION-CONTENT``, downloaded once and every file checked;
        ChecksumMismatch names the first corrupted file (nothing is kept then)."""
        version = self.resolve(ref)
        # Keyed by content too: another registry's fin@1 (another project, a move to S3) is another model.
        target = cache / version.name / f"{version.number}-{version.manifest['content_id'][:16]}"
        if target.is_dir():  # atomic_dir: an existing folder is a complete, verified download
            return target
        files = _checked_files(version)  # before anything is written
        with atomic_dir(target) as folder:
            for entry in files:
                path = folder / entry["path"]
                path.parent.mkdir(parents=True, exist_ok=True)
                with self.store.open(f"{version.name}/blobs/{entry['sha256']}") as source, open(path, "wb") as out:
                    digest = sha256_stream(source, out)  # hashed as it is written, not read back
                if digest != entry["sha256"]:
                    raise ChecksumMismatch(f"{version.ref}: {entry['path']} does not match its checksum in the "
                                           f"registry ({self.store.url}); the stored copy is corrupted")
        return target

    def gc(self, name: str, apply: bool = False, grace_seconds: float = GC_GRACE_SECONDS) -> dict[str, list[Any]]:
        """Versions nothing needs, and blobs no remaining version lists: what is (or, with
        ``apply``, was) removed. Kept: every version an alias points to or would roll back to,
        the newest one (just published, it may have no alias yet), one an alias is being moved
        to (see ``_remove_version``), and every blob written in the last ``grace_seconds`` (a
        publisher in flight uploads before its manifest lists them). Uploads an S3 publisher
        abandoned under ``blobs/.incoming/`` (killed mid-copy) go with the blobs once as old."""
        blobs = self.store.names(f"{name}/blobs")  # listed before the versions: a later upload is young
        versions = self.versions(name)
        needed = self._needed(name, versions)
        doomed = [v for v in versions if v.number not in needed]
        if apply:
            doomed = [v for v in doomed if self._remove_version(name, v.number)]
        removed = {v.number for v in doomed}
        live = {f["sha256"] for v in versions if v.number not in removed for f in v.files}
        unlisted = [b for b in blobs if b not in live and self.store.age_seconds(f"{name}/blobs/{b}") >= grace_seconds]
        abandoned = [f"{INCOMING}/{u}" for u in self.store.names(f"{name}/blobs/{INCOMING}")  # killed S3 uploads
                     if self.store.age_seconds(f"{name}/blobs/{INCOMING}/{u}") >= grace_seconds]
        if apply:
            for blob in [*unlisted, *abandoned]:
                self.store.delete(f"{name}/blobs/{blob}")
        return {"versions": [v.number for v in doomed], "blobs": [*unlisted, *abandoned]}

    def _needed(self, name: str, versions: list[Version]) -> set[int]:
        """The newest version and every one an alias points to or would roll back to."""
        return ({versions[-1].number} if versions else set()) | self._alias_targets(name)

    def _alias_targets(self, name: str) -> set[int]:
        """Every version an alias points to or would roll back to."""
        targets: set[int] = set()
        for record in filter(None, (self.alias(name, alias) for alias in self.aliases(name))):
            targets |= {record["version"], *_previous_targets(record)[-1:]}
        return targets

    def _remove_version(self, name: str, number: int) -> bool:
        """Delete one manifest unless an alias points to it or is being moved to it; whether it was.

        ``gc`` against ``set_alias`` in another process: gc writes its own mark on the version,
        then looks for other marks, pins and aliases; ``set_alias`` writes its own pin, then
        looks for marks, and only then moves the alias. Whichever writes first is seen by the
        other, so an alias never ends up on a removed version: gc keeps the version or
        set_alias refuses (two gcs on one version both step back). Each side deletes only what
        it wrote; a mark or pin older than ``PIN_SECONDS`` by the store's clock is a crashed
        writer's: it no longer counts, and gc sweeps it."""
        mark = _mark_key(name, "removing", number)
        self.store.create(mark, b"{}")
        try:
            now = self.store.modified(mark)  # the store's clock, not this machine's
            if (self._live_marks(name, "removing", number, now, mine=mark)
                    or self._live_marks(name, "pins", number, now)
                    or number in self._alias_targets(name)):  # the newest is never doomed
                return False
            self.store.delete(_manifest_key(name, number))
            return True
        finally:
            self.store.delete(mark)

    def _live_marks(self, name: str, kind: str, number: int, now: float, mine: str | None = None) -> bool:
        """Whether another writer's fresh mark of ``kind`` is on version ``number``; stale ones are removed."""
        live = False
        for entry in self.store.names(f"{name}/{kind}"):
            key = f"{name}/{kind}/{entry}"
            if not entry.startswith(f"{number:0{VERSION_DIGITS}d}.") or key == mine:
                continue
            try:
                fresh = now - self.store.modified(key) < PIN_SECONDS
            except FileNotFoundError:
                continue  # its writer finished meanwhile
            if not fresh:
                self.store.delete(key)
            live = live or fresh
        return live

    # --- aliases -------------------------------------------------------------------------------

    def aliases(self, name: str) -> list[str]:
        return [n.removesuffix(".json") for n in self.store.names(f"{name}/aliases") if n.endswith(".json")]

    def alias(self, name: str, alias: str) -> dict[str, Any] | None:
        _check_name(name)
        _check_name(alias)
        try:
            return json.loads(self.store.read(_alias_key(name, alias)))
        except FileNotFoundError:
            return None

    def set_alias(self, name: str, alias: str, number: int, expected: int | None | str = "current") -> dict[str, Any]:
        """Point ``alias`` at version ``number``, keeping its history. ``expected`` is the version
        the caller believes the alias points to now (None: that it does not exist); the default
        reads it. The write is a compare-and-swap: StaleWrite if the alias moved meanwhile."""
        _check_name(alias)
        pin = _mark_key(name, "pins", number)  # see _remove_version
        self.store.create(pin, b"{}")
        try:
            if self._live_marks(name, "removing", number, self.store.modified(pin)):
                raise RegistryError(f"{name}@{number} is being removed by `vertune registry gc`; {alias} stays where it is")
            self.version(name, number)  # refuse an alias to a version that does not exist
            key = _alias_key(name, alias)
            token = self.store.token(key)
            current = json.loads(self.store.read(key)) if token is not None else None
            if expected != "current" and (current or {}).get("version") != expected:
                raise StaleWrite(f"{name}@{alias} points to {(current or {}).get('version')}, not {expected}")
            history = (current or {}).get("history", [])
            moved = {"version": number, "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
            record = {"name": name, "alias": alias, "version": number, "history": [*history, moved]}
            self.store.swap(key, json.dumps(record, ensure_ascii=False, indent=2).encode(), token)
            return record
        finally:
            self.store.delete(pin)

    def rollback(self, name: str, alias: str = "production") -> dict[str, Any]:
        """Move ``alias`` back to the version it pointed to before its current one."""
        current = self.alias(name, alias)
        if current is None:
            raise RegistryError(f"{name} has no alias {alias!r}")
        earlier = _previous_targets(current)
        if not earlier:
            raise RegistryError(f"{name}@{alias} has no earlier version to roll back to")
        return self.set_alias(name, alias, earlier[-1], expected=current["version"])


def registry_of(config: Config) -> Registry:
    """The registry a config names: ``registry.url`` (a relative folder is the config file's
    sibling, like the workspace) with its storage options, secrets revealed only here."""
    url = config.registry.url
    url = url if "://" in url else str(config.resolve(url))
    return Registry(url, _revealed(config.registry.storage_options))


def _revealed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _revealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_revealed(v) for v in value]
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def _previous_targets(record: dict[str, Any]) -> list[int]:
    """The versions an alias pointed to before its current one, oldest first."""
    return [h["version"] for h in record["history"][:-1] if h["version"] != record["version"]]


def _checked_files(version: Version) -> list[dict[str, Any]]:
    """A manifest's file entries, refusing a path that would leave the version's folder (or a
    hash that is not one): the manifest comes from shared storage, and ``pull`` writes where it says."""
    seen = set()
    for entry in version.files:
        path, digest = str(entry.get("path", "")), str(entry.get("sha256", ""))
        if (not path or path.startswith("/") or "\\" in path or "\0" in path or path in seen
                or any(part in ("", ".", "..") for part in path.split("/"))):
            raise RegistryError(f"{version.ref}: the manifest lists an unsafe file path {path!r}; refusing it")
        if not _SHA256.fullmatch(digest):
            raise RegistryError(f"{version.ref}: the manifest gives {path!r} the malformed sha256 {digest!r}")
        seen.add(path)
    return version.files


def content_id(files: list[dict[str, Any]]) -> str:
    """The identity of a version's content: its paths and their hashes."""
    listing = "\n".join(f"{f['path']}\0{f['sha256']}" for f in sorted(files, key=lambda f: f["path"]))
    return hashlib.sha256(listing.encode()).hexdigest()


def _manifest_key(name: str, number: int) -> str:
    return f"{name}/versions/{number:0{VERSION_DIGITS}d}.json"


def _alias_key(name: str, alias: str) -> str:
    return f"{name}/aliases/{alias}.json"


def _mark_key(name: str, kind: str, number: int) -> str:
    """A new, unique gc removal mark or alias pin on one version (see ``Registry._remove_version``)."""
    return f"{name}/{kind}/{number:0{VERSION_DIGITS}d}.{uuid.uuid4().hex}.json"


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise RegistryError(f"bad name {name!r}: letters, digits, '.', '_' and '-', starting with a letter or digit")
