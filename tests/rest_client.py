"""A tiny v4 REST client for the tests: real HTTP against the running server."""

from __future__ import annotations

import json
from typing import Any

import httpx

from protocol import usersig

from .conftest import Running


class Rest:
    """Calls ``/v4/<service>/<command>`` as the app admin (or as told)."""

    def __init__(self, server: Running, http: httpx.AsyncClient) -> None:
        self.server = server
        self.http = http
        self.admin = server.config.admin_identifier

    def query(self, identifier: str | None = None, sig: str | None = None, **extra: Any) -> dict[str, Any]:
        who = identifier or self.admin
        query: dict[str, Any] = {
            "sdkappid": self.server.config.sdkappid,
            "identifier": who,
            "usersig": sig if sig is not None else self.server.sig(who),
            "random": 12345,
            "contenttype": "json",
        }
        query.update(extra)
        return query

    async def call(self, path: str, body: Any = None, *, raw: bytes | None = None, **query: Any) -> dict[str, Any]:
        """POST ``body`` (as JSON text with no Content-Type, as real clients do)."""
        content = raw if raw is not None else json.dumps({} if body is None else body).encode()
        response = await self.http.post(f"/v4/{path}", params=self.query(**query), content=content)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def ok(self, path: str, body: Any = None, **query: Any) -> dict[str, Any]:
        """Call and assert success; the body."""
        answer = await self.call(path, body, **query)
        assert (answer["ActionStatus"], answer["ErrorCode"], answer["ErrorInfo"]) == ("OK", 0, ""), answer
        return answer

    async def fail(self, path: str, body: Any, code: int, **query: Any) -> dict[str, Any]:
        """Call and assert the refusal ``code`` (with a message)."""
        answer = await self.call(path, body, **query)
        assert (answer["ActionStatus"], answer["ErrorCode"]) == ("FAIL", code), answer
        assert answer["ErrorInfo"], answer
        return answer


def admin_sig(server: Running) -> str:
    return usersig.sign(server.config.secret_key, server.config.sdkappid, server.config.admin_identifier)
