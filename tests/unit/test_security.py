import re

import pytest

from loop.core import security


@pytest.mark.parametrize(
    ("fmt", "pattern"),
    [
        ("tok", r"^tok_[0-9a-f]{64}$"),
        ("loop", r"^loop_[0-9a-f]{64}$"),
        ("looped_live", r"^looped_live_[0-9a-f]{64}$"),
        ("looped_test", r"^looped_test_[0-9a-f]{64}$"),
    ],
)
def test_generated_tokens_have_the_documented_format(fmt: str, pattern: str) -> None:
    token = security.generate_token(fmt)
    assert re.match(pattern, token)
    assert security.token_format(token) == fmt


def test_default_format_is_tok() -> None:
    assert security.generate_token().startswith("tok_")


def test_tokens_are_unique() -> None:
    assert len({security.generate_token() for _ in range(1000)}) == 1000


@pytest.mark.parametrize(
    "token",
    ["tok_abc", "tok_" + "g" * 64, "tok_" + "A" * 64, "bearer", "", "loop_" + "0" * 63, "tok_" + "0" * 65],
)
def test_malformed_tokens_have_no_format(token: str) -> None:
    assert security.token_format(token) is None


def test_display_prefix_shows_format_and_eight_characters() -> None:
    token = "looped_live_" + "ab" * 32
    assert security.display_prefix(token) == "looped_live_abababab"
    assert security.display_prefix("tok_" + "1" * 64) == "tok_11111111"


def test_hash_is_keyed_and_deterministic() -> None:
    token = security.generate_token()
    assert security.hash_token("k1", token) == security.hash_token("k1", token)
    assert security.hash_token("k1", token) != security.hash_token("k2", token)
    assert token not in security.hash_token("k1", token)
    assert len(security.hash_token("k1", token)) == 64


def test_signatures_verify_expire_and_reject_tampering() -> None:
    sig = security.sign("secret", "export/123", 2_000)
    assert security.verify_signature("secret", "export/123", 2_000, sig, now=1_000) == "ok"
    assert security.verify_signature("secret", "export/123", 2_000, sig, now=2_001) == "expired"
    assert security.verify_signature("secret", "export/124", 2_000, sig, now=1_000) == "invalid"
    assert security.verify_signature("secret", "export/123", 3_000, sig, now=1_000) == "invalid"
    assert security.verify_signature("other", "export/123", 2_000, sig, now=1_000) == "invalid"
    # a tampered, expired link is reported as invalid, not as merely expired
    assert security.verify_signature("secret", "export/124", 2_000, sig, now=5_000) == "invalid"
