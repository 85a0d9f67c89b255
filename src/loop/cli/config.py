"""Where the client commands find the server: flags, then ``LOOP_URL``/``LOOP_TOKEN``, then the config file.

The file is ``$LOOP_CONFIG_DIR/config.json`` (default ``~/.config/loop/config.json``; on macOS and Windows the
platform's config dir), written with mode 0600: ``{"url": "…", "token": "…"}``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import typer

DEFAULT_URL = "http://127.0.0.1:5667"


def config_path() -> Path:
    base = os.environ.get("LOOP_CONFIG_DIR") or typer.get_app_dir("loop")
    return Path(base).expanduser() / "config.json"


def read_file() -> dict[str, str]:
    path = config_path()
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def write_file(values: dict[str, str]) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(values, handle, indent=2)
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return path


def clear_file() -> bool:
    try:
        config_path().unlink()
    except FileNotFoundError:
        return False
    return True


@dataclass(frozen=True)
class Remote:
    url: str
    token: str | None
    url_source: str
    token_source: str | None


def resolve(url: str | None = None, token: str | None = None) -> Remote:
    stored = read_file()
    if url:
        u, us = url, "flag"
    elif os.environ.get("LOOP_URL"):
        u, us = os.environ["LOOP_URL"], "env LOOP_URL"
    elif stored.get("url"):
        u, us = stored["url"], str(config_path())
    else:
        u, us = DEFAULT_URL, "default"
    if token:
        t, ts = token, "flag"
    elif os.environ.get("LOOP_TOKEN"):
        t, ts = os.environ["LOOP_TOKEN"], "env LOOP_TOKEN"
    elif stored.get("token"):
        t, ts = stored["token"], str(config_path())
    else:
        t, ts = None, None
    return Remote(u.rstrip("/"), t, us, ts)


def mask(token: str | None) -> str:
    if not token:
        return "(none)"
    if len(token) <= 12:
        return "****"
    return f"{token[:8]}****{token[-4:]}"
