"""The GroupStore contract: creation and its limits, profiles, deletion, owner transfer and
the list of groups, on both stores."""

from __future__ import annotations

from protocol.errors import ErrorCode
from server.store import GroupChanges, MemberChanges, Store

from .helpers import CAP, DAY, LIMIT, T0, application, count_is_exact, create, group_record, listed, member, refused

# Readings of the interface these tests pin down (where its docstrings leave room):
#
# * create_group: the owner is the member whose ID is ``group.owner_id``; "member_count is
#   set from the members added" holds for the stored record AND the ``group`` argument.
#   A refused creation does not count toward the day's cap.
# * The day's counter goes down on delete_group only when ``created_at // 86400 == day``.
# * Not pinned down: which refusal wins when several apply; whether transfer_owner bumps
#   info_seq.


async def test_create_group_stores_record_and_members(store: Store) -> None:
    """A created group reads back as given, with member_count set (also on the argument) and its members stored."""
    group = group_record(custom={"k": "v"}, max_members=50, introduction="hi")
    members = [member("alice", "Owner"), member("bob", join_time=T0 + 1, custom={"m": "1"}), member("carol")]
    assert await store.create_group(group, members, day=DAY, daily_cap=CAP, groups_per_user=LIMIT) == []
    assert group.member_count == 3
    assert await store.get_group("g1") == group_record(
        custom={"k": "v"}, max_members=50, introduction="hi", member_count=3
    )
    assert await store.get_member("g1", "alice") == member("alice", "Owner")
    assert await store.get_member("g1", "bob") == member("bob", join_time=T0 + 1, custom={"m": "1"})
    assert sorted(await store.member_ids("g1")) == ["alice", "bob", "carol"]


async def test_create_group_id_taken_changes_nothing(store: Store) -> None:
    """Creating an existing group ID raises GROUP_ID_TAKEN and leaves the first group and its members alone."""
    await create(store, "g1", "alice", ["bob"])
    await refused(ErrorCode.GROUP_ID_TAKEN, create(store, "g1", "dave", ["erin"], name="other"))
    group = await store.get_group("g1")
    assert group is not None and group.owner_id == "alice" and group.name == "name of g1" and group.member_count == 2
    assert await store.user_groups("dave") == {} and await store.user_groups("erin") == {}


async def test_create_refused_at_daily_cap(store: Store) -> None:
    """At the day's net cap, creation raises RATE_LIMITED and creates nothing; other days have their own count."""
    await create(store, "g1", daily_cap=2)
    await create(store, "g2", daily_cap=2)
    await refused(ErrorCode.RATE_LIMITED, create(store, "g3", "bob", ["carol"], daily_cap=2))
    assert await store.get_group("g3") is None
    assert await store.user_groups("bob") == {} and await store.user_groups("carol") == {}
    await create(store, "g4", day=DAY + 1, created_at=T0 + 86400, daily_cap=2)


async def test_refused_create_does_not_use_the_cap(store: Store) -> None:
    """A creation refused for another reason does not count toward the day's cap."""
    await create(store, "g1", daily_cap=2)
    await refused(ErrorCode.GROUP_ID_TAKEN, create(store, "g1", daily_cap=2))
    await refused(ErrorCode.TOO_MANY_GROUPS, create(store, "g2", daily_cap=2, groups_per_user=1))
    await create(store, "g3", daily_cap=2)
    await refused(ErrorCode.RATE_LIMITED, create(store, "g4", daily_cap=2))


async def test_delete_on_creation_day_frees_a_slot(store: Store) -> None:
    """Deleting a group on its creation day frees one slot of that day's cap; deleting an older group does not."""
    await create(store, "old", day=DAY - 1, created_at=T0 - 86400, daily_cap=2)
    await create(store, "g1", daily_cap=2)
    await create(store, "g2", daily_cap=2)
    await store.delete_group("old", day=DAY)
    await refused(ErrorCode.RATE_LIMITED, create(store, "g3", daily_cap=2))
    await store.delete_group("g1", day=DAY)
    await create(store, "g3", daily_cap=2)
    await refused(ErrorCode.RATE_LIMITED, create(store, "g4", daily_cap=2))


async def test_create_refused_when_owner_at_group_limit(store: Store) -> None:
    """An owner already in ``groups_per_user`` groups gets TOO_MANY_GROUPS and nothing is created."""
    await create(store, "g1", "alice", groups_per_user=2)
    await create(store, "g2", "bob", ["alice"], groups_per_user=2)
    await refused(ErrorCode.TOO_MANY_GROUPS, create(store, "g3", "alice", ["carol"], groups_per_user=2))
    assert await store.get_group("g3") is None
    assert await store.user_groups("carol") == {}
    assert set(await store.user_groups("alice")) == {"g1", "g2"}


async def test_create_leaves_out_members_at_group_limit(store: Store) -> None:
    """Members other than the owner who are at the limit are left out and returned; the rest are added."""
    await create(store, "g1", "bob", groups_per_user=2)
    await create(store, "g2", "carol", ["bob"], groups_per_user=2)
    assert await create(store, "g3", "alice", ["bob", "dave"], groups_per_user=2) == ["bob"]
    assert sorted(await store.member_ids("g3")) == ["alice", "dave"]
    assert await count_is_exact(store, "g3") == 2
    assert set(await store.user_groups("bob")) == {"g1", "g2"}


async def test_create_ownerless_group_without_members(store: Store) -> None:
    """A group can be created without an owner or members; its member_count is 0."""
    assert await create(store, "g1", "") == []
    group = await store.get_group("g1")
    assert group is not None and group.owner_id == "" and group.member_count == 0
    assert await store.member_ids("g1") == [] and await store.list_members("g1", 0, 10) == []


async def test_get_group_and_get_groups(store: Store) -> None:
    """get_group returns None for an unknown ID; get_groups returns the existing ones, once each."""
    await create(store, "g1")
    await create(store, "g2", "bob")
    assert await store.get_group("nope") is None
    found = await store.get_groups(["g2", "nope", "g1", "g2"])
    assert sorted(found) == ["g1", "g2"] and found["g2"].owner_id == "bob"
    assert found["g1"] == await store.get_group("g1")
    assert await store.get_groups([]) == {}
    assert await store.get_groups(["nope"]) == {}


async def test_get_group_and_member_reads_both_at_once(store: Store) -> None:
    """get_group_and_member answers what get_group and get_member answer, in one read."""
    await create(store, "g1", "alice", ["bob"])
    await store.update_member("g1", "bob", MemberChanges(role="Admin", name_card="b"))
    assert await store.get_group_and_member("g1", "bob") == (
        await store.get_group("g1"),
        await store.get_member("g1", "bob"),
    )
    group, owner = await store.get_group_and_member("g1", "alice")
    assert group is not None and group.group_id == "g1" and owner == member("alice", "Owner")
    assert await store.get_group_and_member("g1", "nobody") == (group, None)
    assert await store.get_group_and_member("nope", "alice") == (None, None)


async def test_update_group_applies_changes_and_bumps_info_seq(store: Store) -> None:
    """update_group sets the given fields, leaves None ones, bumps info_seq and sets last_info_time."""
    await create(store, "g1", introduction="intro", notification="note", face_url="f.png")
    updated = await store.update_group("g1", GroupChanges(name="new", mute_all=True, join_option="FreeAccess"), T0 + 5)
    expected = group_record(
        name="new",
        introduction="intro",
        notification="note",
        face_url="f.png",
        mute_all=True,
        join_option="FreeAccess",
        info_seq=1,
        last_info_time=T0 + 5,
        member_count=1,
    )
    assert updated == expected and await store.get_group("g1") == expected
    again = await store.update_group("g1", GroupChanges(introduction="", face_url="g.png"), T0 + 9)
    assert (again.info_seq, again.last_info_time, again.introduction, again.face_url) == (2, T0 + 9, "", "g.png")
    assert (again.name, again.notification, again.mute_all) == ("new", "note", True)
    assert (await store.update_group("g1", GroupChanges(), T0 + 10)).info_seq == 3


async def test_update_group_custom_merges_and_empty_deletes(store: Store) -> None:
    """In custom, a value sets the key, "" deletes it, keys not named stay; custom None leaves all."""
    await create(store, "g1", custom={"a": "1", "b": "2"})
    updated = await store.update_group("g1", GroupChanges(custom={"b": "", "c": "3", "gone": ""}), T0)
    assert updated.custom == {"a": "1", "c": "3"}
    assert (await store.update_group("g1", GroupChanges(name="x"), T0)).custom == {"a": "1", "c": "3"}
    assert (await store.update_group("g1", GroupChanges(custom={"a": "", "c": ""}), T0)).custom == {}
    group = await store.get_group("g1")
    assert group is not None and group.custom == {}


async def test_update_group_sets_owner_of_memberless_groups(store: Store) -> None:
    """owner_id in GroupChanges moves the ownership of a memberless (AVChatRoom) group."""
    await store.create_group(
        group_record(type="AVChatRoom", owner="alice"), [], day=DAY, daily_cap=10, groups_per_user=10
    )
    assert (await store.update_group("g1", GroupChanges(owner_id="bob"), T0)).owner_id == "bob"
    group = await store.get_group("g1")
    assert group is not None and group.owner_id == "bob" and group.member_count == 0


async def test_update_group_not_found(store: Store) -> None:
    """Updating an unknown group raises GROUP_NOT_FOUND and creates nothing."""
    await refused(ErrorCode.GROUP_NOT_FOUND, store.update_group("nope", GroupChanges(name="x"), T0))
    assert await store.get_group("nope") is None


async def test_delete_group_removes_members_and_applications(store: Store) -> None:
    """delete_group returns the record and member IDs, and its members, memberships and applications are gone."""
    await create(store, "g1", "alice", ["bob", "carol"])
    await create(store, "g2", "bob")
    await store.add_application(application("a1", "g1", "dave"), ["alice"], keep=50)
    await store.add_application(application("a2", "g2", "dave"), ["alice", "bob"], keep=50)
    record, member_ids = await store.delete_group("g1", day=DAY)
    assert record == group_record(member_count=3) and sorted(member_ids) == ["alice", "bob", "carol"]
    assert await store.get_group("g1") is None
    assert await store.get_member("g1", "bob") is None and await store.get_members("g1", ["alice", "bob"]) == {}
    assert await store.member_ids("g1") == [] and await store.list_members("g1", 0, 10) == []
    assert await store.user_groups("alice") == {} and await store.user_groups("carol") == {}
    assert set(await store.user_groups("bob")) == {"g2"}
    assert await store.get_application("a1") is None
    assert await store.find_pending("g1", 0, "dave", "") is None
    assert [a.application_id for a, _ in await store.pendency("alice")] == ["a2"]
    await refused(ErrorCode.GROUP_NOT_FOUND, store.delete_group("g1", day=DAY))


async def test_deleted_group_id_can_be_reused(store: Store) -> None:
    """After delete_group the ID is free: a new group with it starts with its own members only."""
    await create(store, "g1", "alice", ["bob"])
    await store.delete_group("g1", day=DAY)
    await create(store, "g1", "carol")
    assert await store.member_ids("g1") == ["carol"] and await count_is_exact(store, "g1") == 1


async def test_transfer_owner_swaps_roles(store: Store) -> None:
    """transfer_owner makes the member Owner and owner_id, and the old owner a Member."""
    await create(store, "g1", "alice", ["bob"])
    group = await store.transfer_owner("g1", "bob")
    assert group.owner_id == "bob" and group.member_count == 2
    stored = await store.get_group("g1")
    assert stored is not None and stored.owner_id == "bob"
    roles = {u: m.role for u, m in (await store.get_members("g1", ["alice", "bob"])).items()}
    assert roles == {"alice": "Member", "bob": "Owner"}
    assert await store.member_ids("g1", ["Owner"]) == ["bob"]


async def test_transfer_owner_refusals(store: Store) -> None:
    """Transfer to a non-member raises NO_PERMISSION and changes nothing; an unknown group, GROUP_NOT_FOUND."""
    await create(store, "g1", "alice", ["bob"])
    await refused(ErrorCode.NO_PERMISSION, store.transfer_owner("g1", "dave"))
    group = await store.get_group("g1")
    assert group is not None and group.owner_id == "alice"
    owner = await store.get_member("g1", "alice")
    assert owner is not None and owner.role == "Owner"
    assert await store.get_member("g1", "dave") is None
    await refused(ErrorCode.GROUP_NOT_FOUND, store.transfer_owner("nope", "alice"))


# -- the group index: list_groups ---------------------------------------------------------


async def test_list_groups_in_creation_order_with_cursors(store: Store) -> None:
    """list_groups pages groups in creation order by their growing cursors, with the total, whatever the IDs."""
    for gid in ("m", "b", "z", "a", "k"):
        await create(store, gid, owner="")
    page, total = await store.list_groups(group_type=None, after=0, limit=2)
    assert [g.group_id for _, g in page] == ["m", "b"] and total == 5
    assert page[0][0] > 0 and page[1][0] > page[0][0]
    assert page[0][1] == group_record("m", owner="")
    rest, total = await store.list_groups(group_type=None, after=page[-1][0], limit=2)
    assert [g.group_id for _, g in rest] == ["z", "a"] and total == 5
    last, _ = await store.list_groups(group_type=None, after=rest[-1][0], limit=2)
    assert [g.group_id for _, g in last] == ["k"]
    assert await listed(store, after=last[-1][0]) == []
    assert await store.list_groups(group_type=None, after=0, limit=0) == ([], 5)


async def test_list_groups_by_type(store: Store) -> None:
    """A type filter lists that type only and its total counts that type only."""
    await create(store, "p1")
    await create(store, "w1", type="Work")
    await create(store, "p2")
    await create(store, "room", type="AVChatRoom")
    page, total = await store.list_groups(group_type="Public", after=0, limit=1)
    assert [g.group_id for _, g in page] == ["p1"] and total == 2
    assert await listed(store, group_type="Public", after=page[0][0]) == ["p2"]
    assert await listed(store, group_type="AVChatRoom") == ["room"]
    assert await store.list_groups(group_type="Meeting", after=0, limit=10) == ([], 0)
    assert (await store.list_groups(group_type=None, after=0, limit=10))[1] == 4


async def test_list_groups_cursors_only_grow(store: Store) -> None:
    """A dismissed group leaves the list and the totals; its cursor is never given again, even to its reused ID."""
    await create(store, "g1")
    await create(store, "g2")
    page, _ = await store.list_groups(group_type=None, after=0, limit=10)
    cursors = {g.group_id: c for c, g in page}
    await store.delete_group("g2", day=DAY)
    assert await store.list_groups(group_type=None, after=0, limit=10) == (
        [(cursors["g1"], group_record("g1", member_count=1))],
        1,
    )
    assert (await store.list_groups(group_type="Public", after=0, limit=10))[1] == 1
    await create(store, "g3", type="Work")
    await create(store, "g2")
    page, total = await store.list_groups(group_type=None, after=cursors["g1"], limit=10)
    assert [g.group_id for _, g in page] == ["g3", "g2"] and total == 3
    assert page[0][0] > cursors["g2"] and page[1][0] > page[0][0]
    # a client holding the old cursor of g2 goes on from there: nothing skipped, nothing twice
    assert await listed(store, after=cursors["g2"]) == ["g3", "g2"]


async def test_list_groups_search(store: Store) -> None:
    """search keeps the group with that exact ID and the names containing it, casefolded; the total counts all."""
    await create(store, "g1", name="Hiking Club")
    await create(store, "g2", name="chess")
    await create(store, "g3", name="hiking-2024", type="Work")
    await create(store, "g4", name="Straße")
    await create(store, "HIK", name="other")
    page, total = await store.list_groups(group_type=None, after=0, limit=1, search="HIK")
    assert [g.group_id for _, g in page] == ["g1"] and total == 3
    assert await listed(store, after=page[0][0], search="HIK") == ["g3", "HIK"]
    assert await listed(store, search="hik") == ["g1", "g3"]  # an ID matches exactly, not in any case
    assert await listed(store, group_type="Work", search="hik") == ["g3"]
    assert (await store.list_groups(group_type="Work", after=0, limit=10, search="hik"))[1] == 1
    assert await listed(store, search="g2") == ["g2"]
    assert await listed(store, search="STRASSE") == ["g4"]
    assert await store.list_groups(group_type=None, after=0, limit=10, search="nothing") == ([], 0)


async def test_update_group_max_members(store: Store) -> None:
    """max_members in GroupChanges sets the cap, which add_members then enforces."""
    await create(store, "g1", "alice", ["bob"], max_members=10)
    assert (await store.update_group("g1", GroupChanges(max_members=3), T0)).max_members == 3
    group = await store.get_group("g1")
    assert group is not None and group.max_members == 3 and group.info_seq == 1
    assert (await store.update_group("g1", GroupChanges(name="x"), T0)).max_members == 3
    await refused(
        ErrorCode.GROUP_FULL, store.add_members("g1", [member("carol"), member("dave")], groups_per_user=LIMIT)
    )
    assert (await store.add_members("g1", [member("carol")], groups_per_user=LIMIT)).added == ["carol"]
