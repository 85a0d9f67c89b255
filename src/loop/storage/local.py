"""Files on local disk under one root directory (``<data_dir>/files`` by default)."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import anyio.to_thread

from loop.storage.base import check_key


class LocalFileStorage:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    async def save(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
            with open(tmp, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)  # atomic: a reader sees the old file or the new one

        await anyio.to_thread.run_sync(write)

    async def read(self, key: str) -> bytes | None:
        path = self._path(key)

        def load() -> bytes | None:
            try:
                return path.read_bytes()
            except (FileNotFoundError, IsADirectoryError):
                return None

        return await anyio.to_thread.run_sync(load)

    async def delete(self, key: str) -> None:
        path = self._path(key)

        def remove() -> None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            # tidy empty per-item directories, never above the root
            parent = path.parent
            while parent != self.root and self.root in parent.parents:
                try:
                    parent.rmdir()
                except OSError:
                    break
                parent = parent.parent

        await anyio.to_thread.run_sync(remove)
