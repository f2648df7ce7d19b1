"""What a model spec names (``embedded:<name>``, a folder or a hub id), decided without torch.

Config loading uses it to resolve a relative folder against the config file's folder, as it does
for sources and the workspace, so ``vertune`` run from another directory finds the same model;
the loader uses it to say "no such folder" instead of letting a path reach the hub client.
"""

from __future__ import annotations

import re
from pathlib import Path

EMBEDDED_PREFIX = "embedded:"
# A hub id is ``name`` or ``owner/name``: letters, digits, '-', '_', '.'; it never starts with '.'.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")


def is_embedded(spec: str) -> bool:
    return spec.startswith(EMBEDDED_PREFIX)


def looks_like_path(spec: str) -> bool:
    """True when ``spec`` can only be a folder: absolute, ``~``, ``./``, ``../`` or no valid hub id."""
    if is_embedded(spec):
        return False
    return spec.startswith(("/", "~", ".")) or _HUB_ID.match(spec) is None


def resolve_spec(spec: str, base_dir: Path) -> str:
    """A folder spec made absolute against ``base_dir``; embedded specs and hub ids unchanged.

    A relative spec that is also a valid hub id (``models/qwen``) counts as a folder only when
    that folder exists, the same preference ``from_pretrained`` has.
    """
    if is_embedded(spec):
        return spec
    candidate = Path(spec).expanduser()
    if candidate.is_absolute():
        return str(candidate)
    local = base_dir / candidate
    return str(local.resolve()) if looks_like_path(spec) or local.is_dir() else spec
