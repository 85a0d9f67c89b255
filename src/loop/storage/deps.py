"""Where endpoints get the storage and the link signer: built once per app from its settings."""

from __future__ import annotations

from fastapi import Request

from loop.storage.base import FileStorage
from loop.storage.links import FileLinks
from loop.storage.local import LocalFileStorage


def get_storage(request: Request) -> FileStorage:
    state = request.app.state
    storage = getattr(state, "file_storage", None)
    if storage is None:
        settings = state.settings
        storage = LocalFileStorage(settings.files_dir or settings.data_dir / "files")
        state.file_storage = storage
    return storage


def get_file_links(request: Request) -> FileLinks:
    """Links point at ``LOOP_PUBLIC_URL`` when it is set, otherwise at the address the request came to."""
    settings = request.app.state.settings
    base = settings.public_url or str(request.base_url)
    return FileLinks(request.app.state.secret_key, base, settings.file_url_ttl_s)
