"""UserSig v2 (TLS sig v2), compatible with Tencent's public TLSSigAPIv2 signers.

Format (Tencent "Generating UserSig", page 1047/34385):

1. ``content`` = ``"TLS.identifier:<id>\\nTLS.sdkappid:<app>\\nTLS.time:<t>\\nTLS.expire:<e>\\n"``
2. ``TLS.sig`` = standard base64 of HMAC-SHA256(key = the secret as UTF-8, msg = content)
3. JSON ``{"TLS.ver": "2.0", "TLS.identifier", "TLS.sdkappid", "TLS.expire", "TLS.time",
   "TLS.sig"}``, zlib-compressed, base64 with ``+ / =`` replaced by ``* - _``.

``expire`` is relative to ``time``; a token is expired once ``now > time + expire``.
Verification parses the JSON (signers differ in spacing and key order) and compares the
recomputed signature in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
import zlib

from .errors import ErrorCode, GroupcastError

__all__ = ["DEFAULT_EXPIRE", "UserSig", "sign", "verify"]

DEFAULT_EXPIRE = 180 * 86400
_MAX_JSON_BYTES = 16 * 1024  # a real token's JSON is about 200 bytes
_TO_URL = str.maketrans("+/=", "*-_")
_FROM_URL = str.maketrans("*-_", "+/=")


class UserSig:
    """The verified content of a token."""

    __slots__ = ("identifier", "sdkappid", "time", "expire")

    def __init__(self, identifier: str, sdkappid: int, time: int, expire: int) -> None:
        self.identifier = identifier
        self.sdkappid = sdkappid
        self.time = time
        self.expire = expire

    @property
    def expires_at(self) -> int:
        return self.time + self.expire


def _signature(secret: str, identifier: str, sdkappid: int, issued: int, expire: int) -> bytes:
    content = f"TLS.identifier:{identifier}\nTLS.sdkappid:{sdkappid}\nTLS.time:{issued}\nTLS.expire:{expire}\n"
    digest = hmac.new(secret.encode(), content.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest)


def sign(secret: str, sdkappid: int, identifier: str, expire: int = DEFAULT_EXPIRE, now: int | None = None) -> str:
    """Make a UserSig for ``identifier``, valid ``expire`` seconds from ``now``."""
    issued = int(time.time()) if now is None else now
    body = {
        "TLS.ver": "2.0",
        "TLS.identifier": identifier,
        "TLS.sdkappid": sdkappid,
        "TLS.expire": expire,
        "TLS.time": issued,
        "TLS.sig": _signature(secret, identifier, sdkappid, issued, expire).decode(),
    }
    compressed = zlib.compress(json.dumps(body, separators=(",", ":")).encode())
    return base64.b64encode(compressed).decode().translate(_TO_URL)


def _decode(token: str) -> dict[str, object]:
    try:
        inflater = zlib.decompressobj()
        # Bounded: the token is unauthenticated input, and a few kilobytes of it could
        # otherwise inflate to gigabytes.
        raw = inflater.decompress(base64.b64decode(token.translate(_FROM_URL), validate=True), _MAX_JSON_BYTES)
        if inflater.unconsumed_tail or not inflater.eof:
            raise ValueError(f"not one complete zlib stream of at most {_MAX_JSON_BYTES} bytes")
        body = json.loads(raw)
    except (binascii.Error, ValueError, zlib.error, RecursionError) as exc:
        # RecursionError: deeply nested JSON ("[[[[...") exhausts the parser's stack
        raise GroupcastError(ErrorCode.USERSIG_MALFORMED, f"UserSig cannot be decoded: {exc}") from None
    if not isinstance(body, dict):
        raise GroupcastError(ErrorCode.USERSIG_MALFORMED, "UserSig content is not a JSON object")
    return body


def _field(body: dict[str, object], name: str, kind: type) -> object:
    value = body.get(name)
    # bool is an int subclass; a token never carries booleans
    if not isinstance(value, kind) or isinstance(value, bool):
        raise GroupcastError(ErrorCode.USERSIG_MALFORMED, f"UserSig field {name} is missing or not a {kind.__name__}")
    return value


def verify(secret: str, sdkappid: int, identifier: str, token: str, now: int | None = None) -> UserSig:
    """Check ``token`` for ``identifier`` of app ``sdkappid``; raise :class:`GroupcastError`.

    The checks run in the order of Tencent's own verifier, so each failure has one code:
    empty 70002; undecodable, over 16 KiB inflated, not version 2.0, a field missing or
    of the wrong type, or a userbuf 70003; other app 70014, other user 70013, expired
    70001, bad signature 70009.
    """
    if not token:
        raise GroupcastError(ErrorCode.USERSIG_EMPTY)
    body = _decode(token)
    if body.get("TLS.ver") != "2.0":
        raise GroupcastError(ErrorCode.USERSIG_MALFORMED, "UserSig version is not 2.0")
    token_app = int(_field(body, "TLS.sdkappid", int))  # type: ignore[call-overload]
    token_id = str(_field(body, "TLS.identifier", str))
    issued = int(_field(body, "TLS.time", int))  # type: ignore[call-overload]
    expire = int(_field(body, "TLS.expire", int))  # type: ignore[call-overload]
    sig = str(_field(body, "TLS.sig", str))
    if "TLS.userbuf" in body:
        raise GroupcastError(ErrorCode.USERSIG_MALFORMED, "UserSig carries a userbuf, which chat tokens never do")
    if token_app != sdkappid:
        raise GroupcastError(ErrorCode.USERSIG_SDKAPPID_MISMATCH)
    if token_id != identifier:
        raise GroupcastError(ErrorCode.USERSIG_IDENTIFIER_MISMATCH)
    current = int(time.time()) if now is None else now
    if current > issued + expire:
        raise GroupcastError(ErrorCode.USERSIG_EXPIRED)
    expected = _signature(secret, token_id, token_app, issued, expire)
    if not hmac.compare_digest(expected, sig.encode()):
        raise GroupcastError(ErrorCode.USERSIG_BAD_SIGNATURE)
    return UserSig(token_id, token_app, issued, expire)
