#!/usr/bin/env python3
"""Vendor the browser assets Loop serves (no CDN at run time).

For each pinned package: ``npm pack <name>@<version>``, check the tarball against the registry's sha512
integrity, copy the one file we serve into ``src/loop/web/static/vendor/<dir>/<version>/`` and record it in
``MANIFEST.json`` (with the file's own sha256, which a test re-checks). Run it only to add or upgrade an asset;
the extracted files are committed, so servers and CI need neither npm nor a network.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "src" / "loop" / "web" / "static" / "vendor"

ASSETS = [
    {"package": "@scalar/api-reference", "version": "1.72.1", "member": "package/dist/browser/standalone.js",
     "dir": "scalar", "file": "standalone.js"},
    {"package": "htmx.org", "version": "2.0.11", "member": "package/dist/htmx.min.js",
     "dir": "htmx", "file": "htmx.min.js"},
]  # fmt: skip


def npm(*args: str, cwd: Path) -> str:
    return subprocess.run(["npm", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def main() -> int:
    manifest: dict[str, dict[str, str]] = {}
    for asset in ASSETS:
        spec = f"{asset['package']}@{asset['version']}"
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            integrity = npm("view", spec, "dist.integrity", cwd=work)
            tarball = work / npm("pack", spec, "--silent", cwd=work).splitlines()[-1]
            algo, expected = integrity.split("-", 1)
            actual = base64.b64encode(hashlib.new(algo, tarball.read_bytes()).digest()).decode()
            if actual != expected:
                print(f"{spec}: integrity mismatch ({actual} != {expected})", file=sys.stderr)
                return 1
            with tarfile.open(tarball) as archive:
                source = archive.extractfile(asset["member"])
                assert source is not None, asset["member"]
                data = source.read()
        target_dir = VENDOR / asset["dir"] / asset["version"]
        if target_dir.exists():
            shutil.rmtree(target_dir)
        target_dir.mkdir(parents=True)
        (target_dir / asset["file"]).write_bytes(data)
        rel = f"{asset['dir']}/{asset['version']}/{asset['file']}"
        manifest[rel] = {
            "package": asset["package"],
            "version": asset["version"],
            "tarball_integrity": integrity,
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        print(f"vendored {spec} -> {rel} ({len(data):,} bytes)")
    (VENDOR / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
