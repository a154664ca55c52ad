"""The MemberStore contract: adding, removing, reading and updating members, and each
user's groups, on both stores."""

from __future__ import annotations

import asyncio

from protocol.errors import ErrorCode, GroupcastError
from server.store import AddOutcome, MemberChanges, Store

from .helpers import CAP, DAY, LIMIT, T0, append, count_is_exact, create, fill, group_record, member, refused, seqs

# Readings of the interface these tests pin down (where its docstrings leave room):
#
# * add_members: GROUP_FULL compares ``max_members`` with the members that would really be
#   added (users already in the group, or over their limit, do not count). A user listed
#   twice in one call is added once.
# * member_ids / remove_members return lists whose order is not part of the contract (the
#   tests sort them); list_members' order is.
# * join_seq is set by the store: the group's next_msg_seq when the member was added (1 in a
#   group without messages), whatever the record passed in says.
# * Not pinned down: remove_members on a group that does not exist.


async def test_get_member_and_get_members(store: Store) -> None:
    """get_member returns the record or None; get_members returns the members among the IDs, once each."""
    await create(store, "g1", "alice", ["bob"])
    assert await store.get_member("g1", "bob") == member("bob")
    assert await store.get_member("g1", "dave") is None
    assert await store.get_member("nope", "alice") is None
    found = await store.get_members("g1", ["bob", "dave", "alice", "bob"])
    assert found == {"alice": member("alice", "Owner"), "bob": member("bob")}
    assert await store.get_members("g1", []) == {} and await store.get_members("nope", ["alice"]) == {}


async def test_list_members_stable_order_and_paging(store: Store) -> None:
    """list_members orders by join_time then user ID, and offset/limit pages through it without gaps or repeats."""
    joins = {"m5": T0 + 2, "m1": T0 + 2, "m3": T0, "m0": T0 + 1, "m4": T0, "m2": T0 + 1, "m6": T0 + 3}
    members = [member("m9", "Owner", T0 + 3)] + [member(u, join_time=t) for u, t in joins.items()]
    await store.create_group(group_record(owner="m9"), members, day=DAY, daily_cap=CAP, groups_per_user=LIMIT)
    expected = ["m3", "m4", "m0", "m2", "m1", "m5", "m6", "m9"]
    assert [m.user_id for m in await store.list_members("g1", 0, 100)] == expected
    pages = [await store.list_members("g1", offset, 3) for offset in range(0, 9, 3)]
    assert [[m.user_id for m in page] for page in pages] == [expected[0:3], expected[3:6], expected[6:8]]
    assert pages[0][0] == member("m3", join_time=T0)
    assert await store.list_members("g1", 8, 3) == [] and await store.list_members("g1", 2, 0) == []
    assert await store.list_members("nope", 0, 3) == []


async def test_member_ids_with_and_without_roles(store: Store) -> None:
    """member_ids returns every member, or only those whose role is among ``roles``."""
    members = [member("alice", "Owner"), member("bob", "Admin"), member("carol", "Admin"), member("dave")]
    await store.create_group(group_record(), members, day=DAY, daily_cap=CAP, groups_per_user=LIMIT)
    assert sorted(await store.member_ids("g1")) == ["alice", "bob", "carol", "dave"]
    assert sorted(await store.member_ids("g1", ["Admin"])) == ["bob", "carol"]
    assert sorted(await store.member_ids("g1", ["Owner", "Admin"])) == ["alice", "bob", "carol"]
    assert await store.member_ids("g1", ["Custom"]) == []
    assert await store.member_ids("nope") == []


async def test_add_members_reports_existing_and_leaves_them_unchanged(store: Store) -> None:
    """Users already in the group are reported as existing and keep their record; the others are added."""
    await store.create_group(
        group_record(),
        [member("alice", "Owner"), member("bob", name_card="B")],
        day=DAY,
        daily_cap=CAP,
        groups_per_user=LIMIT,
    )
    outcome = await store.add_members(
        "g1", [member("bob", "Admin", name_card="X"), member("carol", join_time=T0 + 7)], groups_per_user=LIMIT
    )
    assert outcome == AddOutcome(added=["carol"], existing=["bob"], over_limit=[])
    assert await store.get_member("g1", "bob") == member("bob", name_card="B")
    assert await store.get_member("g1", "carol") == member("carol", join_time=T0 + 7)
    assert await count_is_exact(store, "g1") == 3
    assert "g1" in await store.user_groups("carol")


async def test_add_members_over_limit(store: Store) -> None:
    """Users already in ``groups_per_user`` groups are reported as over the limit and not added."""
    await create(store, "g1", "alice")
    await create(store, "g2", "dave")
    await create(store, "g3", "erin", ["dave"])
    outcome = await store.add_members("g1", [member("dave"), member("bob")], groups_per_user=2)
    assert outcome == AddOutcome(added=["bob"], existing=[], over_limit=["dave"])
    assert await store.get_member("g1", "dave") is None
    assert await count_is_exact(store, "g1") == 2


async def test_add_members_group_full_changes_nothing(store: Store) -> None:
    """Members who would take the count past max_members raise GROUP_FULL and none is added."""
    await create(store, "g1", "alice", ["bob"], max_members=3)
    await refused(
        ErrorCode.GROUP_FULL, store.add_members("g1", [member("carol"), member("dave")], groups_per_user=LIMIT)
    )
    assert await store.get_members("g1", ["carol", "dave"]) == {}
    assert await store.user_groups("carol") == {}
    assert await count_is_exact(store, "g1") == 2
    assert (await store.add_members("g1", [member("carol")], groups_per_user=LIMIT)).added == ["carol"]
    # Users already in the group do not count against the limit.
    outcome = await store.add_members("g1", [member("bob"), member("carol")], groups_per_user=LIMIT)
    assert outcome.added == [] and sorted(outcome.existing) == ["bob", "carol"]
    await refused(ErrorCode.GROUP_FULL, store.add_members("g1", [member("dave")], groups_per_user=LIMIT))
    assert await count_is_exact(store, "g1") == 3


async def test_add_members_max_members_zero_is_unlimited(store: Store) -> None:
    """With max_members 0 any number of members can be added."""
    await create(store, "g1", "alice", max_members=0)
    outcome = await store.add_members("g1", [member(f"u{i:03d}") for i in range(300)], groups_per_user=LIMIT)
    assert len(outcome.added) == 300
    assert await count_is_exact(store, "g1") == 301


async def test_add_members_duplicates_in_one_call_count_once(store: Store) -> None:
    """A user listed twice in one add_members call becomes one member and member_count stays exact."""
    await create(store, "g1", "alice")
    outcome = await store.add_members("g1", [member("bob"), member("bob"), member("carol")], groups_per_user=LIMIT)
    assert sorted(set(outcome.added)) == ["bob", "carol"]
    assert await count_is_exact(store, "g1") == 3


async def test_add_members_group_not_found(store: Store) -> None:
    """Adding to an unknown group raises GROUP_NOT_FOUND and records no membership."""
    await refused(ErrorCode.GROUP_NOT_FOUND, store.add_members("nope", [member("bob")], groups_per_user=LIMIT))
    assert await store.user_groups("bob") == {} and await store.get_member("nope", "bob") is None


async def test_concurrent_adds_respect_max_members(store: Store) -> None:
    """50 concurrent single-user adds into a group of max 30 add exactly 30; the rest get GROUP_FULL."""
    await create(store, "g1", "", max_members=30)
    results = await asyncio.gather(
        *(store.add_members("g1", [member(f"u{i:02d}")], groups_per_user=LIMIT) for i in range(50)),
        return_exceptions=True,
    )
    added = [u for r in results if isinstance(r, AddOutcome) for u in r.added]
    full = [r for r in results if isinstance(r, GroupcastError)]
    assert len(added) == 30 and len(full) == 20 and all(r.code == ErrorCode.GROUP_FULL for r in full)
    assert sorted(await store.member_ids("g1")) == sorted(added)
    assert await count_is_exact(store, "g1") == 30


async def test_concurrent_adds_and_removes_keep_count_exact(store: Store) -> None:
    """Interleaved concurrent adds and removes leave member_count equal to the number of members."""
    await create(store, "g1", "alice", [f"old{i}" for i in range(20)])
    await asyncio.gather(
        *(store.add_members("g1", [member(f"new{i}"), member(f"old{i}")], groups_per_user=LIMIT) for i in range(20)),
        *(store.remove_members("g1", [f"old{i}", f"new{i}"]) for i in range(0, 20, 2)),
    )
    assert await count_is_exact(store, "g1") == len(await store.member_ids("g1"))


async def test_remove_members_returns_only_members(store: Store) -> None:
    """remove_members returns the users that were members, once each, and member_count follows exactly."""
    await create(store, "g1", "alice", ["bob", "carol", "dave"])
    removed = await store.remove_members("g1", ["bob", "nobody", "bob", "carol"])
    assert sorted(removed) == ["bob", "carol"]
    assert sorted(await store.member_ids("g1")) == ["alice", "dave"]
    assert await count_is_exact(store, "g1") == 2
    assert await store.user_groups("bob") == {}
    assert await store.remove_members("g1", ["bob", "carol"]) == []
    assert await store.remove_members("g1", []) == []
    group = await store.get_group("g1")
    assert group is not None and group.owner_id == "alice" and group.member_count == 2


async def test_remove_owner_leaves_group_ownerless(store: Store) -> None:
    """Removing the owner sets owner_id to "", and a later transfer gives the group a new owner."""
    await create(store, "g1", "alice", ["bob"])
    assert await store.remove_members("g1", ["alice"]) == ["alice"]
    group = await store.get_group("g1")
    assert group is not None and group.owner_id == "" and group.member_count == 1
    assert (await store.transfer_owner("g1", "bob")).owner_id == "bob"
    bob = await store.get_member("g1", "bob")
    assert bob is not None and bob.role == "Owner"


async def test_update_member_each_field(store: Store) -> None:
    """update_member changes exactly the fields given and returns the stored record."""
    await store.create_group(
        group_record(),
        [member("alice", "Owner"), member("bob", custom={"k": "v"})],
        day=DAY,
        daily_cap=CAP,
        groups_per_user=LIMIT,
    )
    expected = member("bob", custom={"k": "v"})
    for changes, field, value in [
        (MemberChanges(role="Admin"), "role", "Admin"),
        (MemberChanges(msg_flag="Discard"), "msg_flag", "Discard"),
        (MemberChanges(name_card="Bobby"), "name_card", "Bobby"),
        (MemberChanges(mute_until=T0 + 60), "mute_until", T0 + 60),
        (MemberChanges(name_card=""), "name_card", ""),
    ]:
        setattr(expected, field, value)
        assert await store.update_member("g1", "bob", changes) == expected
        assert await store.get_member("g1", "bob") == expected
    assert await store.update_member("g1", "bob", MemberChanges()) == expected
    assert await store.get_member("g1", "alice") == member("alice", "Owner")


async def test_update_member_custom_merges_and_empty_deletes(store: Store) -> None:
    """In member custom, a value sets the key, "" deletes it, and unnamed keys stay."""
    await store.create_group(
        group_record(),
        [member("alice", "Owner", custom={"a": "1", "b": "2"})],
        day=DAY,
        daily_cap=CAP,
        groups_per_user=LIMIT,
    )
    updated = await store.update_member("g1", "alice", MemberChanges(custom={"a": "", "c": "3"}))
    assert updated is not None and updated.custom == {"b": "2", "c": "3"}
    again = await store.update_member("g1", "alice", MemberChanges(name_card="A"))
    assert again is not None and again.custom == {"b": "2", "c": "3"}
    stored = await store.get_member("g1", "alice")
    assert stored is not None and stored.custom == {"b": "2", "c": "3"} and stored.name_card == "A"


async def test_update_member_of_non_member_returns_none(store: Store) -> None:
    """update_member of a non-member, or in an unknown group, returns None and creates no member."""
    await create(store, "g1", "alice")
    assert await store.update_member("g1", "bob", MemberChanges(name_card="x")) is None
    assert await store.update_member("nope", "alice", MemberChanges(name_card="x")) is None
    assert await store.get_member("g1", "bob") is None and await store.get_member("nope", "alice") is None
    assert await count_is_exact(store, "g1") == 1


async def test_user_groups_reflects_membership_and_msg_flag(store: Store) -> None:
    """user_groups maps each of the user's groups to its msg_flag, including after a msg_flag change."""
    await create(store, "g1", "alice", ["bob"])
    await create(store, "g2", "carol")
    await store.add_members("g2", [member("bob", msg_flag="AcceptNotNotify")], groups_per_user=LIMIT)
    assert await store.user_groups("bob") == {"g1": "AcceptAndNotify", "g2": "AcceptNotNotify"}
    await store.update_member("g1", "bob", MemberChanges(msg_flag="Discard"))
    assert await store.user_groups("bob") == {"g1": "Discard", "g2": "AcceptNotNotify"}
    assert await store.user_groups("nobody") == {}


async def test_update_member_sets_read_and_join_seq(store: Store) -> None:
    """read_seq and join_seq in MemberChanges are set as given, lower or higher."""
    await create(store, "g1", "alice", ["bob"])
    await store.set_read_seq("g1", "bob", 5)
    updated = await store.update_member("g1", "bob", MemberChanges(read_seq=2, join_seq=1))
    assert updated is not None and (updated.read_seq, updated.join_seq) == (2, 1)
    again = await store.get_member("g1", "bob")
    assert again is not None and (again.read_seq, again.join_seq) == (2, 1)


async def test_join_seq_of_initial_and_later_members(store: Store) -> None:
    """Members get the group's next_msg_seq when they join: 1 at creation, later the seq after the last message."""
    await store.create_group(
        group_record(),
        [member("alice", "Owner", join_seq=99), member("bob", join_seq=99)],
        day=DAY,
        daily_cap=CAP,
        groups_per_user=LIMIT,
    )
    assert {u: m.join_seq for u, m in (await store.get_members("g1", ["alice", "bob"])).items()} == {
        "alice": 1,
        "bob": 1,
    }
    await fill(store, 3)
    outcome = await store.add_members("g1", [member("carol", join_seq=0), member("bob")], groups_per_user=LIMIT)
    assert outcome == AddOutcome(added=["carol"], existing=["bob"])
    await append(store, random=100)
    await store.add_members("g1", [member("dave"), member("erin")], groups_per_user=LIMIT)
    found = await store.get_members("g1", ["alice", "bob", "carol", "dave", "erin"])
    assert {u: m.join_seq for u, m in found.items()} == {"alice": 1, "bob": 1, "carol": 4, "dave": 5, "erin": 5}
    assert await store.list_members("g1", 0, 10) == [
        member("alice", "Owner"),
        member("bob", last_send_time=T0),  # its last message: the append at T0
        member("carol", join_seq=4),
        member("dave", join_seq=5),
        member("erin", join_seq=5),
    ]
    # Leaving and coming back is a new join.
    await store.remove_members("g1", ["carol"])
    await store.add_members("g1", [member("carol")], groups_per_user=LIMIT)
    carol = await store.get_member("g1", "carol")
    assert carol is not None and carol.join_seq == 5


async def test_join_seq_of_a_group_created_with_history_seq(store: Store) -> None:
    """A group created with next_msg_seq above 1 gives its first members that seq."""
    await create(store, "g1", "alice", ["bob"], next_msg_seq=40)
    alice = await store.get_member("g1", "alice")
    assert alice is not None and alice.join_seq == 40
    assert (await append(store))[0].seq == 40
    await store.add_members("g1", [member("carol")], groups_per_user=LIMIT)
    carol = await store.get_member("g1", "carol")
    assert carol is not None and carol.join_seq == 41
    assert seqs(await store.read_messages("g1", limit=10)) == [40]
    assert seqs(await store.read_messages("g1", before=45, limit=10)) == [40]
