"""The model registry: versions in object storage (a folder or any fsspec URL), aliases, checksums."""

from vertune.registry.registry import ChecksumMismatch, Registry, RegistryError, Version, content_id, registry_of
from vertune.registry.store import StaleWrite, Store

__all__ = ["ChecksumMismatch", "Registry", "RegistryError", "StaleWrite", "Store", "Version", "content_id", "registry_of"]
