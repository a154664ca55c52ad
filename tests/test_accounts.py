"""The accounts service, on both stores, against a running server."""

from __future__ import annotations

import asyncio

import pytest

from protocol.errors import CloseCode, ErrorCode, GroupcastError
from server import accounts
from server.store import Account

from .conftest import Running, wait


async def test_import_check_delete(server: Running) -> None:
    """Accounts are imported one or many at a time, checked, and deleted."""
    node = server.node
    await accounts.import_accounts(node, [Account(user_id="alice", nick="Alice", face_url="https://x/a.png")])
    await accounts.import_accounts(node, [Account(user_id="bob"), Account(user_id="carol", nick="Carol")])
    assert await accounts.check_accounts(node, ["alice", "bob", "ghost", "carol"]) == {
        "alice": True,
        "bob": True,
        "ghost": False,
        "carol": True,
    }
    found = await node.store.get_accounts(["alice", "carol"])
    assert (found["alice"].nick, found["alice"].face_url, found["carol"].nick) == ("Alice", "https://x/a.png", "Carol")

    # Re-importing keeps the account and applies the given profile fields only.
    await accounts.import_accounts(node, [Account(user_id="alice", face_url="https://x/b.png")])
    again = (await node.store.get_accounts(["alice"]))["alice"]
    assert (again.nick, again.face_url, again.created_at) == ("Alice", "https://x/b.png", found["alice"].created_at)

    assert await accounts.delete_accounts(node, ["bob", "ghost"]) == {"bob": True, "ghost": False}
    assert await accounts.check_accounts(node, ["bob"]) == {"bob": False}


@pytest.mark.parametrize(
    "bad",
    [
        Account(user_id=""),
        Account(user_id="has space"),
        Account(user_id="x" * 33),
        Account(user_id="ünïcode"),
        Account(user_id="ok", nick="n" * 501),
        Account(user_id="ok", face_url="f" * 501),
    ],
)
async def test_invalid_import_changes_nothing(server: Running, bad: Account) -> None:
    """An invalid account in a batch refuses the whole batch with 70402."""
    with pytest.raises(GroupcastError) as refused:
        await accounts.import_accounts(server.node, [Account(user_id="fine"), bad])
    assert refused.value.code == ErrorCode.ACCOUNT_INVALID_PARAMETER
    assert await accounts.check_accounts(server.node, ["fine"]) == {"fine": False}


async def test_login_registers_the_account(server: Running) -> None:
    """A device logging in with a valid UserSig registers its user, as Tencent's SDK login does."""
    assert await accounts.check_accounts(server.node, ["dora"]) == {"dora": False}
    await server.login("dora")
    assert await accounts.check_accounts(server.node, ["dora"]) == {"dora": True}


async def test_deleting_an_account_logs_its_devices_out(server: Running) -> None:
    """Every device of a deleted account is closed with 4101; other users are untouched."""
    phone = await server.login("eve", "phone")
    web = await server.login("eve", "web")
    other = await server.login("fred")
    await accounts.delete_accounts(server.node, ["eve"])
    codes = await asyncio.wait_for(asyncio.gather(phone.wait_closed(), web.wait_closed()), wait(5))
    assert codes == [CloseCode.ACCOUNT_DELETED, CloseCode.ACCOUNT_DELETED]
    await other.heartbeat()
