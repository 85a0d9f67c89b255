"""``loop export`` of one organisation in a store that holds several: only its rows, and they restore."""

from __future__ import annotations

import asyncio
import json
import zipfile

from typer.testing import CliRunner

from loop.cli.main import app as cli
from tests.conftest import TEST_SECRET, fresh_database


async def test_export_takes_only_the_chosen_organisation(
    app, settings, client, account, other_account, tmp_path
):
    for who, title in ((account, "Ours"), (other_account, "Theirs")):
        made = await client.post("/api/issues", json={"title": title, "type": "task"}, headers=who.headers)
        assert made.status_code == 201
    runner = CliRunner()

    def invoke(args, env):  # the CLI runs its own event loop: keep it off the test's
        return asyncio.to_thread(runner.invoke, cli, args, env=env)

    env = {"LOOP_SECRET_KEY": TEST_SECRET}
    store = ["--database-url", settings.database_url, "--data-dir", str(tmp_path / "src")]
    archive = tmp_path / "ours.zip"

    several = await invoke(["export", "-o", str(archive), *store], env)
    assert several.exit_code == 2 and "--org" in several.output and not archive.exists()
    unknown = await invoke(["export", "-o", str(archive), "--org", "nope", *store], env)
    assert unknown.exit_code == 5

    done = await invoke(["export", "-o", str(archive), "--org", account.org.id, *store], env)
    assert done.exit_code == 0, done.output
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        everything = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("tables/"))
    assert manifest["organisation"]["id"] == account.org.id
    assert manifest["tables"]["organisations"] == 1 and manifest["tables"]["users"] == 1
    assert manifest["tables"]["issues"] == 1 and manifest["tables"]["credentials"] == 1
    assert other_account.org.id.encode() not in everything and b"Theirs" not in everything
    assert other_account.user.id.encode() not in everything

    with fresh_database(tmp_path, migrated=False) as url:
        target = ["--database-url", url, "--data-dir", str(tmp_path / "dst")]
        restored = await invoke(["import", str(archive), *target], env)
        assert restored.exit_code == 0, restored.output
        assert "counts verified" in restored.output
        again = await invoke(["export", "-o", str(tmp_path / "again.zip"), *target], env)
        assert again.exit_code == 0, again.output
        with zipfile.ZipFile(tmp_path / "again.zip") as zf:
            second = json.loads(zf.read("manifest.json"))
            assert second["tables"] == manifest["tables"]
            for name in zf.namelist():
                if name.startswith("tables/"):
                    with zipfile.ZipFile(archive) as first:
                        assert zf.read(name) == first.read(name), name
