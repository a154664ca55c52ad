"""The AccountStore contract (server/store/__init__.py), on both stores."""

from __future__ import annotations

import asyncio

from server.store import Account, Store

from .helpers import T0


async def test_import_creates_accounts_with_empty_profile(store: Store) -> None:
    """Importing unknown IDs creates them, with '' for profile fields given as None."""
    await store.import_accounts([Account(user_id="alice", nick="Alice", face_url="a.png"), Account(user_id="bob")], T0)
    assert await store.get_accounts(["alice", "bob"]) == {
        "alice": Account(user_id="alice", nick="Alice", face_url="a.png", created_at=T0),
        "bob": Account(user_id="bob", nick="", face_url="", created_at=T0),
    }


async def test_reimport_keeps_created_at(store: Store) -> None:
    """Importing an existing account again keeps its original created_at."""
    await store.import_accounts([Account(user_id="alice")], T0)
    await store.import_accounts([Account(user_id="alice", nick="Alice")], T0 + 500)
    assert (await store.get_accounts(["alice"]))["alice"].created_at == T0


async def test_none_fields_keep_values_and_given_fields_overwrite(store: Store) -> None:
    """On re-import, None keeps a profile field, any given value (even '') overwrites it."""
    await store.import_accounts([Account(user_id="alice", nick="Alice", face_url="a.png")], T0)
    await store.import_accounts([Account(user_id="alice", face_url="b.png")], T0 + 1)
    assert (await store.get_accounts(["alice"]))["alice"] == Account(
        user_id="alice", nick="Alice", face_url="b.png", created_at=T0
    )
    await store.import_accounts([Account(user_id="alice", nick="")], T0 + 2)
    assert (await store.get_accounts(["alice"]))["alice"] == Account(
        user_id="alice", nick="", face_url="b.png", created_at=T0
    )


async def test_import_same_id_twice_in_one_call(store: Store) -> None:
    """An ID listed twice in one import ends with the later entry's profile, once."""
    await store.import_accounts([Account(user_id="alice", nick="first"), Account(user_id="alice", nick="second")], T0)
    assert await store.get_accounts(["alice"]) == {
        "alice": Account(user_id="alice", nick="second", face_url="", created_at=T0)
    }


async def test_existing_and_get_with_duplicates_and_unknown_ids(store: Store) -> None:
    """Lookups ignore unknown IDs and report a duplicated ID once."""
    await store.import_accounts([Account(user_id="alice"), Account(user_id="bob", nick="Bob")], T0)
    query = ["alice", "nobody", "alice", "bob", "ghost", "bob"]
    assert await store.existing_accounts(query) == {"alice", "bob"}
    accounts = await store.get_accounts(query)
    assert sorted(accounts) == ["alice", "bob"] and accounts["bob"].nick == "Bob"
    assert await store.existing_accounts(["nobody"]) == set()
    assert await store.get_accounts(["nobody"]) == {}


async def test_empty_arguments(store: Store) -> None:
    """Every account method accepts an empty list and does nothing."""
    await store.import_accounts([], T0)
    assert await store.existing_accounts([]) == set()
    assert await store.get_accounts([]) == {}
    assert await store.delete_accounts([]) == set()


async def test_many_ids_in_one_call(store: Store) -> None:
    """Imports and lookups of 1,200 IDs at once (more than any per-statement chunk) are complete."""
    accounts = [Account(user_id=f"user{i:04d}", nick=f"n{i}") for i in range(1200)]
    await store.import_accounts(accounts, T0)
    wanted = [a.user_id for a in accounts] + ["nobody"]
    assert await store.existing_accounts(wanted) == {a.user_id for a in accounts}
    found = await store.get_accounts(wanted)
    assert len(found) == 1200 and found["user1199"].nick == "n1199"


async def test_delete_returns_existing_ones_and_they_are_gone(store: Store) -> None:
    """Delete reports only the accounts that existed, and those no longer exist."""
    await store.import_accounts([Account(user_id=u) for u in ("alice", "bob", "carol")], T0)
    assert await store.delete_accounts(["alice", "nobody", "bob", "alice"]) == {"alice", "bob"}
    assert await store.existing_accounts(["alice", "bob", "carol"]) == {"carol"}
    assert await store.get_accounts(["alice", "bob"]) == {}
    assert await store.delete_accounts(["alice", "bob"]) == set()


async def test_reimport_after_delete_is_a_new_account(store: Store) -> None:
    """An account deleted then imported again starts over with the new created_at and profile."""
    await store.import_accounts([Account(user_id="alice", nick="Old", face_url="old.png")], T0)
    await store.delete_accounts(["alice"])
    await store.import_accounts([Account(user_id="alice")], T0 + 9)
    assert (await store.get_accounts(["alice"]))["alice"] == Account(
        user_id="alice", nick="", face_url="", created_at=T0 + 9
    )


async def test_concurrent_imports_all_land(store: Store) -> None:
    """200 imports awaited together all complete and are all visible afterwards."""
    await asyncio.gather(*(store.import_accounts([Account(user_id=f"c{i}", nick=f"n{i}")], T0 + i) for i in range(200)))
    found = await store.get_accounts([f"c{i}" for i in range(200)])
    assert found == {
        f"c{i}": Account(user_id=f"c{i}", nick=f"n{i}", face_url="", created_at=T0 + i) for i in range(200)
    }


async def test_concurrent_deletes_delete_each_account_once(store: Store) -> None:
    """Of two concurrent deletes of one account, exactly one reports it."""
    await store.import_accounts([Account(user_id=f"m{i}") for i in range(50)], T0)
    results = await asyncio.gather(
        *(store.delete_accounts([f"m{i}"]) for i in range(50)),
        *(store.delete_accounts([f"m{i}"]) for i in range(50)),
    )
    # Each account is deleted exactly once, whichever of its two deletes ran first.
    assert sorted(u for r in results for u in r) == sorted(f"m{i}" for i in range(50))
    assert await store.existing_accounts([f"m{i}" for i in range(50)]) == set()
