"""The console's sign-in: the admin identifier and the console password, a signed
session cookie, a CSRF token bound to the session, and a limit on failed sign-ins.

* Password: ``GROUPCAST_CONSOLE_PASSWORD``, or the one generated on first start into
  ``<data-dir>/console.password`` (:func:`server.config.resolve_console_password`).
  Compared in constant time (digests of both sides).
* Session cookie ``groupcast_console``: ``{user, session id}`` signed with itsdangerous
  under a key derived from the node's secret key *and* the password (changing either
  ends every session), time-stamped and refused after :data:`SESSION_SECONDS`.
  ``HttpOnly``, ``SameSite=Strict``, ``Path=/console``, ``Secure`` when served over
  HTTPS. Nothing is stored server-side but the sessions signed out, in the store (so
  every node refuses them, after a restart too), until they would have expired anyway.
* CSRF: every state-changing request carries ``X-CSRF-Token``, an HMAC of the session
  id (the page gets it with the session, never from a cookie), and, when the browser
  sends an ``Origin``, it must name this host. SameSite=Strict alone already keeps the
  cookie off cross-site requests; the token is the second lock.
* Failed sign-ins: :data:`LOGIN_ATTEMPTS` per client address per :data:`LOGIN_WINDOW`
  seconds; past that, sign-in is refused (429) until the window moves on. Counted in
  this node's memory: behind a load balancer of N nodes a client gets N times as many.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

if TYPE_CHECKING:
    from ..node import Node

__all__ = ["COOKIE", "CSRF_HEADER", "LOGIN_ATTEMPTS", "LOGIN_WINDOW", "SESSION_SECONDS", "ConsoleAuth", "Session"]

COOKIE = "groupcast_console"
COOKIE_PATH = "/console"
CSRF_HEADER = "X-CSRF-Token"
SESSION_SECONDS = 8 * 3600  # a session ends 8 hours after sign-in
LOGIN_ATTEMPTS = 5  # failed sign-ins allowed per client address ...
LOGIN_WINDOW = 60.0  # ... per this many seconds
_TRACKED_CLIENTS = 10_000  # addresses remembered for the limit (oldest forgotten first)


@dataclass(frozen=True, slots=True)
class Session:
    user: str
    session_id: str


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


class ConsoleAuth:
    def __init__(self, node: Node, password: str) -> None:
        self.admin = node.config.admin_identifier
        self._store = node.store
        self._password = _digest(password)
        key = hmac.new(node.secret.encode(), b"groupcast console\0" + password.encode(), hashlib.sha256).digest()
        self._signer = URLSafeTimedSerializer(key, salt="groupcast.console.session")
        self._csrf_key = hmac.new(key, b"csrf", hashlib.sha256).digest()
        self._failures: dict[str, deque[float]] = {}

    # -- password and rate limit ----------------------------------------------------------

    def check(self, user: str, password: str) -> bool:
        """Whether these are the admin identifier and the console password (both
        compared in constant time, whichever is wrong)."""
        user_ok = hmac.compare_digest(_digest(user), _digest(self.admin))
        password_ok = hmac.compare_digest(_digest(password), self._password)
        return user_ok and password_ok

    def wait_before_login(self, client: str, now: float | None = None) -> float:
        """Seconds ``client`` must wait before trying again (0: may try now)."""
        at = time.monotonic() if now is None else now
        failures = self._failures.get(client)
        if not failures:
            return 0.0
        while failures and failures[0] <= at - LOGIN_WINDOW:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return 0.0
        if len(failures) < LOGIN_ATTEMPTS:
            return 0.0
        return max(0.0, failures[0] + LOGIN_WINDOW - at)

    def failed_login(self, client: str, now: float | None = None) -> None:
        at = time.monotonic() if now is None else now
        failures = self._failures.pop(client, None) or deque(maxlen=LOGIN_ATTEMPTS)
        failures.append(at)
        self._failures[client] = failures  # re-inserted: the dict stays in last-failure order
        while len(self._failures) > _TRACKED_CLIENTS:
            del self._failures[next(iter(self._failures))]

    # -- sessions ---------------------------------------------------------------------------

    def new_session(self) -> Session:
        return Session(user=self.admin, session_id=secrets.token_urlsafe(18))

    def set_cookie(self, response: Response, request: Request, session: Session) -> None:
        """Hand ``session`` to the browser: the signed, expiring, HttpOnly, SameSite=Strict cookie."""
        response.set_cookie(
            COOKIE,
            self._signer.dumps([session.user, session.session_id]),
            max_age=SESSION_SECONDS,
            path=COOKIE_PATH,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )

    async def session(self, request: Request) -> Session | None:
        """The request's valid session, or None (no cookie, bad signature, expired,
        signed out, or for an admin identifier that is no longer configured)."""
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            user, session_id = self._signer.loads(raw, max_age=SESSION_SECONDS)
        except (BadSignature, ValueError, TypeError):
            return None
        if not isinstance(user, str) or not isinstance(session_id, str):
            return None
        if user != self.admin or await self._store.console_session_ended(session_id, int(time.time())):
            return None
        return Session(user=user, session_id=session_id)

    async def end(self, session: Session, response: Response, request: Request) -> None:
        """Sign out: this session's cookie is refused from now on, by every node, and cleared."""
        now = int(time.time())
        await self._store.end_console_session(session.session_id, now + SESSION_SECONDS + 1, now)
        response.delete_cookie(
            COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict", secure=request.url.scheme == "https"
        )

    # -- CSRF -------------------------------------------------------------------------------

    def csrf_token(self, session: Session) -> str:
        return hmac.new(self._csrf_key, session.session_id.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, request: Request, session: Session) -> bool:
        """The header carries this session's token, and the request comes from a page
        of this host (when the browser says where it comes from)."""
        origin = request.headers.get("origin")
        if origin is not None and not same_host(origin, request):
            return False
        sent = request.headers.get(CSRF_HEADER, "")
        return hmac.compare_digest(sent.encode(), self.csrf_token(session).encode())


def same_host(origin: str, request: Request) -> bool:
    """Whether an ``Origin`` header names the host the request was sent to. The scheme is
    not compared: behind a TLS-terminating proxy the server sees http."""
    host = request.headers.get("host", "")
    return bool(host) and urlsplit(origin).netloc.lower() == host.lower()
