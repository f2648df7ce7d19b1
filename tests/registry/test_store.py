from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from vertune.registry.store import StaleWrite, Store, _lock

HOLDER = """
import fcntl, sys, time
handle = open(sys.argv[1], "a+b")
fcntl.flock(handle, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(60)
"""


def test_the_folder_lock_keeps_out_a_second_writer_until_the_holder_dies(tmp_path: Path) -> None:
    """A live holder is never robbed (however slow), and a killed one blocks no one."""
    store = Store(str(tmp_path / "registry"))
    store.swap("fin/aliases/production.json", b'{"version": 1}', None)
    target = Path(store.path("fin/aliases/production.json"))
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(target.with_name(f".{target.name}.lock"))],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StaleWrite, match="locked by another writer"):
            with _lock(target, wait_seconds=0.3):
                pass
    finally:
        holder.kill()
        holder.wait(timeout=10)
    store.swap("fin/aliases/production.json", b'{"version": 2}', store.token("fin/aliases/production.json"))
    assert store.read("fin/aliases/production.json") == b'{"version": 2}'
    assert store.names("fin/aliases") == ["production.json"]  # the lock file is hidden from listings


def test_files_in_a_folder_registry_get_the_usual_mode_not_mkstemps_0600(tmp_path: Path) -> None:
    """Teammates pulling from a shared folder must be able to read what one of them published."""
    import os
    import stat

    store = Store(str(tmp_path / "registry"))
    (tmp_path / "w.bin").write_bytes(b"w")
    store.upload("fin/blobs/x", tmp_path / "w.bin", hashlib.sha256(b"w").hexdigest())
    store.create("fin/versions/000001.json", b"{}")
    store.swap("fin/aliases/a.json", b"{}", None)
    store.swap("fin/aliases/a.json", b"{ }", store.token("fin/aliases/a.json"))
    mask = os.umask(0)
    os.umask(mask)
    for key in ("fin/blobs/x", "fin/versions/000001.json", "fin/aliases/a.json"):
        assert stat.S_IMODE(Path(store.path(key)).stat().st_mode) == 0o666 & ~mask, key
