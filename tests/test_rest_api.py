"""The v4 REST API's common behaviour and the account endpoints, over real HTTP, on
both stores."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from TLSSigAPIv2 import TLSSigAPIv2

from protocol import usersig

from .conftest import SDKAPPID, SECRET, Running
from .rest_client import Rest


@pytest_asyncio.fixture
async def rest(server: Running) -> AsyncIterator[Rest]:
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        yield Rest(server, http)


async def test_signed_with_the_public_signer(rest: Rest) -> None:
    """A UserSig from Tencent's public TLSSigAPIv2 package authenticates the admin."""
    sig = TLSSigAPIv2(SDKAPPID, SECRET).gen_sig("administrator", 300)
    await rest.ok("im_open_login_svc/account_import", {"UserID": "alice"}, sig=sig)


@pytest.mark.parametrize(
    "query, code",
    [
        ({"identifier": "alice"}, 60010),
        ({"sig": ""}, 70002),
        ({"sig": "garbage"}, 70003),
        ({"sig": usersig.sign("other key", SDKAPPID, "administrator")}, 70009),
        ({"sig": usersig.sign(SECRET, SDKAPPID, "administrator", expire=1, now=1_000)}, 70001),
        ({"sig": usersig.sign(SECRET, SDKAPPID, "someone")}, 70013),
        ({"sig": usersig.sign(SECRET, SDKAPPID + 1, "administrator")}, 70014),
        ({"sdkappid": SDKAPPID + 1}, 70020),
        ({"sdkappid": ""}, 60012),
    ],
)
async def test_authentication_refusals(rest: Rest, query: dict[str, object], code: int) -> None:
    """Non-admin identifiers, bad, expired or other-app sigs and wrong app IDs are refused
    with their codes, and change nothing."""
    await rest.fail("im_open_login_svc/account_import", {"UserID": "bob"}, code, **query)
    answer = await rest.ok("im_open_login_svc/account_check", {"CheckItem": [{"UserID": "bob"}]})
    assert answer["ResultItem"][0]["AccountStatus"] == "NotImported"


async def test_body_handling(rest: Rest) -> None:
    """JSON is read whatever the Content-Type; GET works like POST; non-JSON bodies and
    wrong field types are refused naming the field; unknown fields are ignored."""
    query = rest.query()
    form = await rest.http.post(
        "/v4/im_open_login_svc/account_import",
        params=query,
        content=b'{"UserID": "carol", "Nick": "Carol", "Extra": 1}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.json()["ErrorCode"] == 0
    got = await rest.http.request(
        "GET", "/v4/im_open_login_svc/account_check", params=query, content=b'{"CheckItem": [{"UserID": "carol"}]}'
    )
    assert got.json()["ResultItem"][0]["AccountStatus"] == "Imported"
    await rest.fail("im_open_login_svc/account_import", None, 60003, raw=b"UserID=dave")
    await rest.fail("im_open_login_svc/account_import", None, 60003, raw=b"[1, 2]")
    wrong = await rest.fail("im_open_login_svc/account_check", {"CheckItem": [{"UserID": 7}]}, 70402)
    assert "$.CheckItem[0].UserID" in wrong["ErrorInfo"]
    await rest.fail("im_open_login_svc/account_import", {}, 70402)


async def test_unknown_paths(rest: Rest) -> None:
    """An unknown command of a known service is 10003 (or its service's code), an unknown service 60009."""
    await rest.fail("group_open_http_svc/make_coffee", {}, 10003)
    await rest.fail("no_such_svc/anything", {}, 60009)


async def test_account_endpoints(rest: Rest) -> None:
    """account_import, multiaccount_import, account_check and account_delete as documented."""
    await rest.ok("im_open_login_svc/account_import", {"UserID": "erin", "Nick": "Erin", "FaceUrl": "https://x/e.png"})
    await rest.ok("im_open_login_svc/account_import", {"Identifier": "fred"})
    accounts = await rest.server.node.store.get_accounts(["erin"])
    assert (accounts["erin"].nick, accounts["erin"].face_url) == ("Erin", "https://x/e.png")
    many = await rest.ok("im_open_login_svc/multiaccount_import", {"Accounts": ["gus", "has space", "hal"]})
    assert many["FailAccounts"] == ["has space"]
    await rest.fail("im_open_login_svc/multiaccount_import", {"Accounts": [f"u{i}" for i in range(101)]}, 70402)
    await rest.fail("im_open_login_svc/account_import", {"UserID": "x" * 33}, 70402)
    check = await rest.ok("im_open_login_svc/account_check", {"CheckItem": [{"UserID": "gus"}, {"UserID": "ghost"}]})
    assert [(r["UserID"], r["AccountStatus"], r["ResultCode"]) for r in check["ResultItem"]] == [
        ("gus", "Imported", 0),
        ("ghost", "NotImported", 0),
    ]
    deleted = await rest.ok(
        "im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "gus"}, {"UserID": "ghost"}]}
    )
    assert deleted["ResultItem"] == [
        {"ResultCode": 0, "ResultInfo": "", "UserID": "gus"},
        {"ResultCode": 70107, "ResultInfo": "Err_TLS_PT_Open_Login_Account_Not_Exist", "UserID": "ghost"},
    ]


async def test_openapi_document(rest: Rest) -> None:
    """/v4/openapi.json describes every endpoint from its structs."""
    from server.rest.base import ENDPOINTS

    document = (await rest.http.get("/v4/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    for service, command in ENDPOINTS:
        operation = document["paths"][f"/v4/{service}/{command}"]["post"]
        assert operation["requestBody"]["content"]["application/json"]["schema"]
    assert "Envelope" in document["components"]["schemas"]
