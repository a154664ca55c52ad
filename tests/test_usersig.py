"""UserSig v2: our signer and verifier against Tencent's public signer, and every refusal.

Pure functions, no I/O. The format is in ../shared/reference/rest-api.md section 2.6.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import tracemalloc
import zlib
from typing import Any

import pytest
from TLSSigAPIv2 import TLSSigAPIv2, base64_decode_url

from protocol import usersig
from protocol.errors import ErrorCode, GroupcastError

APP = 1400000001
KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
NOW = 1_700_000_000
FIELDS = {"TLS.ver", "TLS.identifier", "TLS.sdkappid", "TLS.expire", "TLS.time", "TLS.sig"}


def open_token(token: str) -> dict[str, Any]:
    """The JSON inside a token, decoded the way the public Python signer encodes it."""
    return json.loads(zlib.decompress(base64_decode_url(token.encode())))  # type: ignore[no-any-return]


def pack(body: Any, level: int = -1, raw: bytes | None = None) -> str:
    """A token around ``body`` (or around ``raw`` JSON bytes) in the URL-safe alphabet."""
    data = raw if raw is not None else json.dumps(body).encode()
    compressed = zlib.compress(data, level)
    return base64.b64encode(compressed).decode().replace("+", "*").replace("/", "-").replace("=", "_")


def hand_signed(identifier: str, app: int, issued: int, expire: int, key: str = KEY) -> str:
    """TLS.sig computed from the documented content string, independently of our code."""
    content = f"TLS.identifier:{identifier}\nTLS.sdkappid:{app}\nTLS.time:{issued}\nTLS.expire:{expire}\n"
    return base64.b64encode(hmac.new(key.encode("utf-8"), content.encode("utf-8"), hashlib.sha256).digest()).decode()


def good_body(identifier: str = "alice", issued: int = NOW, expire: int = 3600) -> dict[str, Any]:
    return {
        "TLS.ver": "2.0",
        "TLS.identifier": identifier,
        "TLS.sdkappid": APP,
        "TLS.expire": expire,
        "TLS.time": issued,
        "TLS.sig": hand_signed(identifier, APP, issued, expire),
    }


def refused(
    token: str, identifier: str = "alice", *, key: str = KEY, app: int = APP, now: int | None = NOW
) -> ErrorCode:
    """The code of the refusal of ``token``; ``now=None`` means the real clock."""
    with pytest.raises(GroupcastError) as info:
        usersig.verify(key, app, identifier, token, now=now)
    assert isinstance(info.value.code, ErrorCode)
    return info.value.code


# -- acceptance ---------------------------------------------------------------------------


def test_round_trip() -> None:
    """A token we sign verifies and yields the identifier, app, time and expiry it carries."""
    token = usersig.sign(KEY, APP, "alice", 3600, now=NOW)
    sig = usersig.verify(KEY, APP, "alice", token, now=NOW + 10)
    assert (sig.identifier, sig.sdkappid, sig.time, sig.expire, sig.expires_at) == ("alice", APP, NOW, 3600, NOW + 3600)


def test_default_expiry_is_180_days() -> None:
    """Without an expiry a token is valid 180 days, like the public signers."""
    token = usersig.sign(KEY, APP, "alice", now=NOW)
    assert usersig.verify(KEY, APP, "alice", token, now=NOW + 180 * 86400).expire == 180 * 86400
    assert refused(token, now=NOW + 180 * 86400 + 1) == ErrorCode.USERSIG_EXPIRED


def test_token_from_public_python_signer_verifies() -> None:
    """A token made by TLSSigAPIv2.gen_sig (spaced JSON, default zlib level) verifies."""
    token = TLSSigAPIv2(APP, KEY).gen_sig("bob", 600)
    assert token.startswith("eJ")
    sig = usersig.verify(KEY, APP, "bob", token)
    assert (sig.identifier, sig.sdkappid, sig.expire) == ("bob", APP, 600)


def test_our_token_verifies_with_public_signer() -> None:
    """Our token has exactly the documented fields and its TLS.sig is what TLSSigAPIv2 computes."""
    token = usersig.sign(KEY, APP, "carol", 86400, now=NOW)
    body = open_token(token)
    assert set(body) == FIELDS
    assert body["TLS.ver"] == "2.0"
    assert body["TLS.identifier"] == "carol"
    assert type(body["TLS.sdkappid"]) is int and body["TLS.sdkappid"] == APP
    assert type(body["TLS.expire"]) is int and body["TLS.expire"] == 86400
    assert type(body["TLS.time"]) is int and body["TLS.time"] == NOW
    theirs = TLSSigAPIv2(APP, KEY)._TLSSigAPIv2__hmacsha256("carol", NOW, 86400, None)  # type: ignore[attr-defined]
    assert body["TLS.sig"] == theirs.decode()
    assert len(body["TLS.sig"]) == 44


def test_go_style_token_verifies() -> None:
    """A Go-signer token (compact JSON in Go's key order, zlib level 0) verifies."""
    body = good_body("dave")
    raw = (
        f'{{"TLS.ver":"2.0","TLS.identifier":"dave","TLS.sdkappid":{APP},'
        f'"TLS.expire":3600,"TLS.time":{NOW},"TLS.sig":"{body["TLS.sig"]}"}}'
    ).encode()
    token = pack(None, level=0, raw=raw)
    assert token.startswith("eA")
    assert usersig.verify(KEY, APP, "dave", token, now=NOW).identifier == "dave"


def test_non_ascii_identifier_round_trips_with_public_signer() -> None:
    """The HMAC covers the identifier as UTF-8 in both signers, even outside ASCII."""
    token = TLSSigAPIv2(APP, KEY).gen_sig("zoë", 600)
    assert usersig.verify(KEY, APP, "zoë", token).identifier == "zoë"


def test_token_valid_until_the_last_second() -> None:
    """Expired means ``now > time + expire``: the last second still verifies."""
    token = usersig.sign(KEY, APP, "alice", 60, now=NOW)
    assert usersig.verify(KEY, APP, "alice", token, now=NOW + 60).identifier == "alice"


# -- refusals -----------------------------------------------------------------------------


def test_empty_token_is_refused() -> None:
    """An empty token is 70002, not a decode failure."""
    assert refused("") == ErrorCode.USERSIG_EMPTY


def test_expired_token_is_refused() -> None:
    """A token past time + expire is 70001."""
    token = usersig.sign(KEY, APP, "alice", 60, now=NOW)
    assert refused(token, now=NOW + 61) == ErrorCode.USERSIG_EXPIRED


def test_flipped_signature_is_refused() -> None:
    """A token whose TLS.sig was changed is 70009."""
    body = good_body()
    sig = body["TLS.sig"]
    body["TLS.sig"] = ("B" if sig[0] == "A" else "A") + sig[1:]
    assert refused(pack(body)) == ErrorCode.USERSIG_BAD_SIGNATURE


def test_rewritten_identifier_is_refused() -> None:
    """Changing TLS.identifier inside the JSON and recompressing is 70009 for the new user."""
    body = open_token(usersig.sign(KEY, APP, "alice", 3600, now=NOW))
    body["TLS.identifier"] = "mallory"
    assert refused(pack(body), "mallory") == ErrorCode.USERSIG_BAD_SIGNATURE


def test_rewritten_expiry_is_refused() -> None:
    """Extending TLS.expire inside the JSON is 70009."""
    body = open_token(usersig.sign(KEY, APP, "alice", 60, now=NOW))
    body["TLS.expire"] = 10**9
    assert refused(pack(body), now=NOW + 120) == ErrorCode.USERSIG_BAD_SIGNATURE


def test_token_signed_with_another_key_is_refused() -> None:
    """A token of the same app and user, signed with another key, is 70009."""
    token = TLSSigAPIv2(APP, "another-key").gen_sig("alice", 3600)
    assert refused(token, now=None) == ErrorCode.USERSIG_BAD_SIGNATURE


def test_token_of_another_app_is_refused() -> None:
    """A token for another SDKAppID is 70014, even when signed with the right key."""
    token = usersig.sign(KEY, APP + 1, "alice", 3600, now=NOW)
    assert refused(token) == ErrorCode.USERSIG_SDKAPPID_MISMATCH


def test_token_of_another_user_is_refused() -> None:
    """A valid token for another user is 70013."""
    token = usersig.sign(KEY, APP, "alice", 3600, now=NOW)
    assert refused(token, "bob") == ErrorCode.USERSIG_IDENTIFIER_MISMATCH


def test_checks_run_in_the_documented_order() -> None:
    """App before user before expiry before signature, as Tencent's verifier does."""
    token = usersig.sign("another-key", APP + 1, "alice", 60, now=NOW)
    assert refused(token, "bob", now=NOW + 61) == ErrorCode.USERSIG_SDKAPPID_MISMATCH
    token = usersig.sign("another-key", APP, "alice", 60, now=NOW)
    assert refused(token, "bob", now=NOW + 61) == ErrorCode.USERSIG_IDENTIFIER_MISMATCH
    assert refused(token, "alice", now=NOW + 61) == ErrorCode.USERSIG_EXPIRED


def _without(name: str) -> dict[str, Any]:
    body = good_body()
    del body[name]
    return body


MALFORMED = {
    "not base64": "not base64 at all!",
    "non-ascii": "eJé",
    "bad padding": "eJw",
    "base64 of non-zlib": base64.b64encode(b"plain bytes, not zlib").decode(),
    "truncated zlib": pack(good_body())[:40],
    "zlib of non-JSON": pack(None, raw=b"TLS.identifier:alice"),
    "zlib of non-UTF-8": pack(None, raw=b"\xff\xfe{}"),
    "JSON array": pack([good_body()]),
    "JSON string": pack("2.0"),
    "JSON null": pack(None),
    "deeply nested JSON": pack(None, raw=b"[" * 10_000),
    "JSON over the size limit": pack({**good_body(), "padding": "x" * 20_000}),
    "wrong version": pack({**good_body(), "TLS.ver": "3.0"}),
    "version as number": pack({**good_body(), "TLS.ver": 2.0}),
    **{f"missing {name}": pack(_without(name)) for name in sorted(FIELDS)},
    "sdkappid as string": pack({**good_body(), "TLS.sdkappid": str(APP)}),
    "time as string": pack({**good_body(), "TLS.time": str(NOW)}),
    "expire as float": pack({**good_body(), "TLS.expire": 3600.0}),
    "identifier as number": pack({**good_body(), "TLS.identifier": 7}),
    "sig as list": pack({**good_body(), "TLS.sig": [good_body()["TLS.sig"]]}),
    "expire as boolean": pack({**good_body(), "TLS.expire": True}),
    "time as boolean": pack({**good_body(), "TLS.time": False}),
    "sdkappid as boolean": pack({**good_body(), "TLS.sdkappid": True}),
    "userbuf present": pack({**good_body(), "TLS.userbuf": base64.b64encode(b"abc").decode()}),
}


@pytest.mark.parametrize("token", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_token_is_refused(token: str) -> None:
    """A token that does not decode to a well-typed v2 JSON object is 70003."""
    assert refused(token) == ErrorCode.USERSIG_MALFORMED


def test_public_signer_userbuf_token_is_refused() -> None:
    """A TRTC token with a userbuf (chat tokens never carry one) is 70003."""
    token = TLSSigAPIv2(APP, KEY).gen_sig_with_userbuf("alice", 3600, b"room")
    assert refused(token, now=None) == ErrorCode.USERSIG_MALFORMED


def test_compression_bomb_is_refused() -> None:
    """A small token that inflates to megabytes is 70003 without inflating it all."""
    token = pack(None, level=9, raw=b" " * (64 * 1024 * 1024))
    assert len(token) < 100_000
    tracemalloc.start()
    try:
        assert refused(token) == ErrorCode.USERSIG_MALFORMED
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024
