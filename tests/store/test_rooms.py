"""The RoomStore contract: AVChatRoom bans, mutes and audience counts, on both stores."""

from __future__ import annotations

import time

from protocol.errors import ErrorCode
from server.store import Store

from .helpers import DAY, T0, create, refused

# Readings these tests pin down: restrict on a group that does not exist raises
# GROUP_NOT_FOUND (nothing outlives its group); restrictions of an unknown group or user
# is {}.


async def test_restrict_set_overwrite_and_lift(store: Store) -> None:
    """restrict sets, overwrites and (with 0) lifts each kind on its own; restrictions lists what is held."""
    await create(store, "room", "alice", type="AVChatRoom")
    assert await store.restrictions("room", "bob") == {}
    await store.restrict("room", "bob", "ban", T0 + 60)
    await store.restrict("room", "bob", "mute", T0 + 30)
    await store.restrict("room", "carol", "mute", T0 - 10)  # over already: still listed
    assert await store.restrictions("room", "bob") == {"ban": T0 + 60, "mute": T0 + 30}
    await store.restrict("room", "bob", "ban", T0 + 90)
    assert await store.restrictions("room", "bob") == {"ban": T0 + 90, "mute": T0 + 30}
    await store.restrict("room", "bob", "mute", 0)
    assert await store.restrictions("room", "bob") == {"ban": T0 + 90}
    await store.restrict("room", "bob", "ban", 0)
    await store.restrict("room", "bob", "ban", 0)  # lifting what is not held: nothing happens
    assert await store.restrictions("room", "bob") == {}
    assert await store.restrictions("room", "carol") == {"mute": T0 - 10}
    assert await store.restrictions("nope", "bob") == {}


async def test_restricted_lists_users_by_kind(store: Store) -> None:
    """restricted lists every user holding a restriction of one kind, lifted ones gone."""
    await create(store, "room", "alice", type="AVChatRoom")
    await store.restrict("room", "bob", "mute", T0 + 30)
    await store.restrict("room", "carol", "mute", T0 + 40)
    await store.restrict("room", "carol", "ban", T0 + 50)
    await store.restrict("room", "dave", "ban", T0 + 60)
    assert await store.restricted("room", "mute") == {"bob": T0 + 30, "carol": T0 + 40}
    await store.restrict("room", "bob", "mute", 0)
    assert await store.restricted("room", "mute") == {"carol": T0 + 40}
    assert await store.restricted("room", "ban") == {"carol": T0 + 50, "dave": T0 + 60}
    assert await store.restricted("nope", "ban") == {}


async def test_restrictions_are_per_group_and_deleted_with_it(store: Store) -> None:
    """Restrictions are per group; restrict in an unknown group raises GROUP_NOT_FOUND; delete_group drops them."""
    await create(store, "r1", "alice", type="AVChatRoom")
    await create(store, "r2", "alice", type="AVChatRoom")
    await store.restrict("r1", "bob", "ban", T0 + 60)
    assert await store.restrictions("r2", "bob") == {}
    await refused(ErrorCode.GROUP_NOT_FOUND, store.restrict("nope", "bob", "ban", T0 + 60))
    assert await store.restrictions("nope", "bob") == {}
    await store.delete_group("r1", day=DAY)
    await refused(ErrorCode.GROUP_NOT_FOUND, store.restrict("r1", "bob", "mute", T0 + 60))
    await create(store, "r1", "alice", type="AVChatRoom")
    assert await store.restrictions("r1", "bob") == {}


async def test_room_audience_sums_recent_reports(store: Store) -> None:
    """room_audience sums the nodes' latest counts reported at or after ``since``; 0 and delete_group drop them."""
    await create(store, "room", "", type="AVChatRoom")
    now = time.time()
    await store.set_room_audience("room", "n1", 3, now - 20)
    await store.set_room_audience("room", "n2", 2, now)
    await store.set_room_audience("room", "n3", 4, now - 1)
    assert await store.room_audience("room", now - 30) == 9
    assert await store.room_audience("room", now - 10) == 6
    await store.set_room_audience("room", "n3", 1, now)
    await store.set_room_audience("room", "n2", 0, now)
    assert await store.room_audience("room", now - 10) == 1
    assert await store.room_audience("other", now - 10) == 0
    await store.delete_group("room", day=DAY)
    assert await store.room_audience("room", now - 30) == 0
