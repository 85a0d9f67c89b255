"""Where export files live: a directory (``<data dir>/exports`` unless ``LOOP_REPORT_EXPORTS_DIR`` says
otherwise). Several server processes must share it (a shared volume), like the database.

The interface is three calls, so another backend (an object store) can replace the directory."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Protocol

from loop.config import Settings

_SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,200}$")


class ExportStorage(Protocol):
    def save(self, name: str, data: bytes) -> None: ...
    def path(self, name: str) -> Path | None: ...
    def delete(self, name: str) -> None: ...


class DirectoryStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _file(self, name: str) -> Path:
        if not _SAFE_NAME.match(name) or name.startswith("."):
            raise ValueError(f"unsafe export file name {name!r}")
        return self.root / name

    def save(self, name: str, data: bytes) -> None:
        """Atomically: a reader sees the whole file or none (written aside, then renamed)."""
        self.root.mkdir(parents=True, exist_ok=True)
        target = self._file(name)
        temporary = self.root / f".{name}.{secrets.token_hex(4)}.part"
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)

    def path(self, name: str) -> Path | None:
        target = self._file(name)
        return target if target.is_file() else None

    def delete(self, name: str) -> None:
        self._file(name).unlink(missing_ok=True)


def export_storage(settings: Settings) -> ExportStorage:
    return DirectoryStorage(settings.exports_dir)
