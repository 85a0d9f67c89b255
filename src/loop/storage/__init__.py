"""File storage behind one small interface (local disk by default) and signed, expiring links to files."""

from loop.storage.base import FileStorage, InvalidKey
from loop.storage.deps import get_file_links, get_storage
from loop.storage.links import FileLinks
from loop.storage.local import LocalFileStorage

__all__ = ["FileLinks", "FileStorage", "InvalidKey", "LocalFileStorage", "get_file_links", "get_storage"]
