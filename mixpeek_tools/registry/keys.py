"""``registry add-key`` as one library call: resolve the data folder, make a key for a namespace."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class NewKey:
    """A freshly made API key and the registry data folder that holds it."""

    key: str
    namespace: str
    data_dir: Path


def create_key(namespace: str, data_dir: Path | None = None) -> NewKey:
    """A new key for ``namespace`` (created if new) in ``data_dir`` (default: the user's)."""
    from mixpeek_tools.registry.server import add_key, default_data_dir

    folder = (data_dir or default_data_dir()).expanduser().resolve()
    return NewKey(add_key(folder, namespace), namespace, folder)
