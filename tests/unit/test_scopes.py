import pytest

from loop.auth import scopes


def test_presets_store_patterns() -> None:
    assert scopes.resolve(None, None) == ["*"]
    assert scopes.resolve("write-all", None) == ["*"]
    assert scopes.resolve("read-all", []) == ["read:*"]
    assert scopes.resolve("restricted", ["write:time", "read:time"]) == ["read:time", "write:time"]
    assert scopes.resolve(None, ["read:time"]) == ["read:time"]


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [("issues:read", "read:issue"), ("issue:write", "write:issue"), ("dispatch:claim", "write:dispatch"),
     ("READ:TIME", "read:time"), ("projects:write", "write:project")],
)  # fmt: skip
def test_aliases_normalise(alias: str, canonical: str) -> None:
    assert scopes.normalise_scope(alias) == canonical


@pytest.mark.parametrize(
    ("preset", "given"),
    [("restricted", []), ("restricted", ["read:nothing"]), ("read-all", ["read:time"]), ("x", [])],
)
def test_invalid_scope_requests_are_refused(preset: str, given: list[str]) -> None:
    with pytest.raises(scopes.ScopeError):
        scopes.resolve(preset, given)


def test_grants() -> None:
    assert scopes.grants(["*"], "write:invoice")
    assert scopes.grants(["read:*"], "read:invoice")
    assert not scopes.grants(["read:*"], "write:invoice")
    assert scopes.grants(["read:time"], "read:time")
    assert not scopes.grants(["read:time"], "write:time")
    assert scopes.missing(["read:time"], ["read:time", "write:time"]) == ["write:time"]


def test_subset_prevents_escalation() -> None:
    assert scopes.is_subset(["read:*"], ["*"])
    assert scopes.is_subset(["read:time"], ["read:*"])
    assert not scopes.is_subset(["*"], ["read:*"])
    assert not scopes.is_subset(["write:time"], ["read:*"])


def test_preset_of() -> None:
    assert scopes.preset_of(["*"]) == "write-all"
    assert scopes.preset_of(["read:*"]) == "read-all"
    assert scopes.preset_of(["read:time"]) == "restricted"
