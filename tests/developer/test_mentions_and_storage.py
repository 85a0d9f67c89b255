"""@mention parsing, the local file storage and signed links."""

import time

import pytest

from loop.discussion.mentions import Member, resolve
from loop.storage import FileLinks, InvalidKey, LocalFileStorage

MEMBERS = [
    Member("u1", "Alex Johnson", "alex@acme.test"),
    Member("u2", "Alex Brown", "abrown@acme.test"),
    Member("u3", "Sam Lee", "sam@acme.test"),
]


@pytest.mark.parametrize(
    ("body", "ids"),
    [
        ("@alex", ["u1"]),  # the email's local part beats an ambiguous first name
        ("@Sam please", ["u3"]),
        ("@[Alex Brown] and @alex.johnson", ["u2", "u1"]),
        ("@abrown@acme.test, @abrown.", ["u2"]),
        ("```\n@sam\n```", []),
        ("mail sam@acme.test", []),
        ("@alexjohnson @ALEX_JOHNSON", ["u1"]),
    ],
)
def test_mentions(body, ids):
    assert resolve(body, MEMBERS) == ids


async def test_local_storage_round_trip(tmp_path):
    storage = LocalFileStorage(tmp_path / "files")
    await storage.save("org/feedback/f1/screenshot.png", b"data", "image/png")
    assert await storage.read("org/feedback/f1/screenshot.png") == b"data"
    await storage.save("org/feedback/f1/screenshot.png", b"new", "image/png")
    assert await storage.read("org/feedback/f1/screenshot.png") == b"new"
    await storage.delete("org/feedback/f1/screenshot.png")
    await storage.delete("org/feedback/f1/screenshot.png")  # idempotent
    assert await storage.read("org/feedback/f1/screenshot.png") is None
    assert not (tmp_path / "files" / "org").exists()  # empty directories tidied
    assert (tmp_path / "files").exists()


@pytest.mark.parametrize("key", ["../etc/passwd", "a/../b", "/abs", "a//b", ".hidden", "a/b c", ""])
async def test_storage_refuses_unsafe_keys(tmp_path, key):
    with pytest.raises(InvalidKey):
        await LocalFileStorage(tmp_path).read(key)


def test_links_are_stable_within_a_bucket_and_verify():
    links = FileLinks("secret", "https://loop.example/", 3600)
    now = (time.time() // 360) * 360 + 100  # inside a bucket
    a = links.url("o/f/x.png", now=now)
    assert a == links.url("o/f/x.png", now=now + 10)
    assert a.startswith("https://loop.example/api/v1/files/o/f/x.png?expires=")
    expires = int(a.split("expires=")[1].split("&")[0])
    signature = a.split("signature=")[1]
    assert links.verify("o/f/x.png", expires, signature) == "ok"
    assert links.verify("o/f/y.png", expires, signature) == "invalid"
    assert FileLinks("other", "https://x", 3600).verify("o/f/x.png", expires, signature) == "invalid"
    assert links.url(None) is None
