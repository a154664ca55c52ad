"""The HistoryStore contract: appends, retries, pages, recalls and read marks, on both stores."""

from __future__ import annotations

import asyncio

import msgspec

from protocol.errors import ErrorCode
from server.store import MemberChanges, MessageRecord, Store

from .helpers import (
    CAP,
    DAY,
    LIMIT,
    T0,
    append,
    count_is_exact,
    create,
    fill,
    group_record,
    history,
    member,
    msg,
    refused,
    seqs,
)

# Readings these tests pin down:
#
# * append_message keeps the ``recalled`` it is given and replaces only seq and time; the
#   returned record is the stored one. A retry returns the first record as stored (its seq,
#   time and body), whatever the retry's body says. Not pinned down: which record a retry
#   gets when two with its sender and random are in its window (only possible when
#   dedupe_since goes back in time between calls).
# * read_messages with both ``after`` and ``before``: the first ones in (after, before).
#   ``limit`` <= 0 reads nothing.


async def test_append_assigns_seq_and_time(store: Store) -> None:
    """Appends get seq 1, 2, ... and time ``now``; the returned record is the stored one, the input otherwise."""
    await create(store, "g1", "alice", ["bob"])
    first, retried = await store.append_message("g1", msg(body=b"\x00\xffbin"), now=T0 + 10, dedupe_since=T0 - 290)
    assert (first, retried) == (
        MessageRecord(seq=1, time=T0 + 10, sender_id="bob", random=7, body=b"\x00\xffbin"),
        False,
    )
    tip, retried = await store.append_message("g1", MessageRecord(kind="tip", body=b"t"), now=T0 + 11, dedupe_since=T0)
    assert (tip, retried) == (MessageRecord(seq=2, time=T0 + 11, kind="tip", body=b"t"), False)
    assert await history(store) == [first, tip]


async def test_append_updates_group_and_sender(store: Store) -> None:
    """A message sets next_msg_seq, last_msg_time and the sender's last_send_time; a tip not the latter."""
    await create(store, "g1", "alice", ["bob"], custom={"k": "v"})
    await append(store, sender="bob", at=T0 + 10)
    group = await store.get_group("g1")
    assert group is not None and (group.next_msg_seq, group.last_msg_time) == (2, T0 + 10)
    assert await store.get_member("g1", "bob") == member("bob", last_send_time=T0 + 10)
    await append(store, sender="alice", at=T0 + 20, kind="tip")
    group = await store.get_group("g1")
    assert group is not None and (group.next_msg_seq, group.last_msg_time) == (3, T0 + 20)
    assert await store.get_member("g1", "alice") == member("alice", "Owner")
    # The rest of the group record is untouched.
    assert group == group_record(custom={"k": "v"}, member_count=2, next_msg_seq=3, last_msg_time=T0 + 20)


async def test_append_from_a_non_member(store: Store) -> None:
    """A message from a non-member (the app admin) is stored and makes no member record."""
    await create(store, "g1", "alice", ["bob"])
    record, _ = await append(store, sender="admin", at=T0 + 5)
    assert record.seq == 1 and await store.get_member("g1", "admin") is None
    assert sorted(await store.member_ids("g1")) == ["alice", "bob"] and await count_is_exact(store, "g1") == 2


async def test_append_keeps_member_records_whole(store: Store) -> None:
    """Updating last_send_time keeps every other field of the member, custom fields included."""
    fields = dict(name_card="B", mute_until=T0 + 1, custom={"k": "v", "é": "\x00"}, msg_flag="Discard")
    await store.create_group(
        group_record(),
        [member("alice", "Owner"), member("bob", "Admin", **fields)],
        day=DAY,
        daily_cap=CAP,
        groups_per_user=LIMIT,
    )
    await store.set_read_seq("g1", "bob", 0)
    await append(store, sender="bob", at=T0 + 3)
    await append(store, sender="alice", at=T0 + 4)
    assert await store.get_member("g1", "bob") == member("bob", "Admin", last_send_time=T0 + 3, **fields)
    assert await store.get_member("g1", "alice") == member("alice", "Owner", last_send_time=T0 + 4)
    assert await store.user_groups("bob") == {"g1": "Discard"}
    updated = await store.update_member("g1", "bob", MemberChanges(name_card="C"))
    assert updated == member("bob", "Admin", last_send_time=T0 + 3, **{**fields, "name_card": "C"})


async def test_append_to_unknown_group_refused(store: Store) -> None:
    """Appending to a group that does not exist (or no longer) raises GROUP_NOT_FOUND and stores nothing."""
    await refused(ErrorCode.GROUP_NOT_FOUND, append(store, "nope"))
    await refused(ErrorCode.GROUP_NOT_FOUND, append(store, "nope", kind="tip"))
    assert await history(store, "nope") == []
    await create(store, "g1")
    await append(store)
    await store.delete_group("g1", day=DAY)
    await refused(ErrorCode.GROUP_NOT_FOUND, append(store, random=8))
    assert await store.get_group("g1") is None and await history(store) == []


async def test_retry_within_window_returns_the_first_record(store: Store) -> None:
    """Same sender and random, first stored at or after dedupe_since: the first record, True, and nothing written."""
    await create(store, "g1", "alice", ["bob"])
    first, _ = await append(store, at=T0)
    again, retried = await append(store, at=T0 + 200, since=T0, body=b"different")
    assert (again, retried) == (first, True)
    group = await store.get_group("g1")
    assert group is not None and (group.next_msg_seq, group.last_msg_time) == (2, T0)
    bob = await store.get_member("g1", "bob")
    assert bob is not None and bob.last_send_time == T0
    assert await history(store) == [first]
    # The window's start is inclusive; a retry of a recalled message returns it recalled.
    await store.recall_message("g1", 1, b"gone")
    recalled = msgspec.structs.replace(first, recalled=True, body=b"gone")
    assert await append(store, at=T0 + 300, since=T0) == (recalled, True)


async def test_retry_outside_window_is_a_new_message(store: Store) -> None:
    """A first record stored before dedupe_since does not make a retry: a new seq; later retries find the newer one."""
    await create(store, "g1", "alice", ["bob"])
    await append(store, at=T0)
    second, retried = await append(store, at=T0 + 400, since=T0 + 1)
    assert (second.seq, second.time, retried) == (2, T0 + 400, False)
    assert await append(store, at=T0 + 402, since=T0 + 1) == (second, True)
    assert seqs(await history(store)) == [1, 2]


async def test_tips_and_other_senders_never_collide(store: Store) -> None:
    """Tips are never retries; another sender, random or group with the same values is a new message."""
    await create(store, "g1", "alice", ["bob", "carol"])
    await create(store, "g2", "alice", ["bob"])
    results = [
        await append(store, kind="tip", sender="", random=0),
        await append(store, kind="tip", sender="", random=0),
        await append(store, kind="tip", sender="bob"),
        await append(store, sender="bob"),  # a tip with the same values came first
        await append(store, sender="carol"),
        await append(store, sender="bob", random=8),
        await append(store, sender="bob", random=70),  # "bob\0" + "70" vs "bob7" + "\0" + "0" ...
        await append(store, sender="bob7", random=0),
        await append(store, "g2", sender="bob"),
    ]
    assert [(r.seq, retried) for r, retried in results] == [(i, False) for i in range(1, 9)] + [(1, False)]
    assert await append(store, sender="bob") == (results[3][0], True)
    assert await append(store, sender="bob7", random=0) == (results[7][0], True)


async def test_concurrent_appends_get_gap_free_seqs(store: Store) -> None:
    """100 concurrent appends get seqs 1..100, each once, and the history holds each record under its seq."""
    await create(store, "g1", "alice", ["bob"])
    results = await asyncio.gather(*(append(store, random=i, body=f"m{i}".encode()) for i in range(100)))
    assert sorted(r.seq for r, _ in results) == list(range(1, 101)) and not any(retried for _, retried in results)
    stored = {r.seq: r for r in await history(store)}
    assert stored == {r.seq: r for r, _ in results}
    group = await store.get_group("g1")
    assert group is not None and group.next_msg_seq == 101


async def test_concurrent_retries_store_one_message(store: Store) -> None:
    """20 concurrent sends of one message store it once; every call gets that record."""
    await create(store, "g1", "alice", ["bob"])
    results = await asyncio.gather(*(append(store) for _ in range(20)))
    assert [retried for _, retried in results].count(False) == 1
    assert {r.seq for r, _ in results} == {1} and len({msgspec.msgpack.encode(r) for r, _ in results}) == 1
    assert seqs(await history(store)) == [1]


async def test_read_messages_after(store: Store) -> None:
    """With after: the first ``limit`` records with a greater seq, oldest first."""
    await create(store, "g1", "alice", ["bob"])
    records = await fill(store, 10)
    assert await store.read_messages("g1", after=0, limit=3) == records[0:3]
    assert await store.read_messages("g1", after=3, limit=3) == records[3:6]
    assert await store.read_messages("g1", after=8, limit=5) == records[8:10]
    assert await store.read_messages("g1", after=-5, limit=2) == records[0:2]
    assert await store.read_messages("g1", after=10, limit=5) == []
    assert await store.read_messages("g1", after=50, limit=5) == []


async def test_read_messages_before(store: Store) -> None:
    """With before: the last ``limit`` records with a smaller seq, oldest first."""
    await create(store, "g1", "alice", ["bob"])
    records = await fill(store, 10)
    assert await store.read_messages("g1", before=11, limit=3) == records[7:10]
    assert await store.read_messages("g1", before=8, limit=3) == records[4:7]
    assert await store.read_messages("g1", before=4, limit=10) == records[0:3]
    assert await store.read_messages("g1", before=100, limit=2) == records[8:10]
    assert await store.read_messages("g1", before=2, limit=5) == records[0:1]
    assert await store.read_messages("g1", before=1, limit=5) == []
    assert await store.read_messages("g1", before=0, limit=5) == []


async def test_read_messages_latest_and_both_bounds(store: Store) -> None:
    """With neither bound: the latest ``limit``; with both: the first ones between them; limit 0: nothing."""
    await create(store, "g1", "alice", ["bob"])
    records = await fill(store, 10)
    assert await store.read_messages("g1", limit=3) == records[7:10]
    assert await store.read_messages("g1", limit=100) == records
    assert await store.read_messages("g1", after=2, before=9, limit=3) == records[2:5]
    assert await store.read_messages("g1", after=2, before=6, limit=10) == records[2:5]
    assert await store.read_messages("g1", after=5, before=6, limit=10) == []
    for bounds in ({}, {"after": 0}, {"before": 5}):
        assert await store.read_messages("g1", limit=0, **bounds) == []


async def test_read_messages_empty_and_unknown_groups(store: Store) -> None:
    """A group without messages, and a group that does not exist, read as empty in every direction."""
    await create(store, "g1")
    for group_id in ("g1", "nope"):
        assert await store.read_messages(group_id, limit=10) == []
        assert await store.read_messages(group_id, after=0, limit=10) == []
        assert await store.read_messages(group_id, before=5, limit=10) == []


async def test_read_messages_large_pages(store: Store) -> None:
    """Pages of more than a thousand records (past any per-command slice) are complete and in order."""
    await create(store, "g1", "alice", ["bob"])
    records = await asyncio.gather(*(append(store, random=i, at=T0, body=b"x" * (i % 7)) for i in range(2100)))
    by_seq = sorted((r for r, _ in records), key=lambda r: r.seq)
    assert await store.read_messages("g1", limit=5000) == by_seq
    assert await store.read_messages("g1", after=10, limit=2050) == by_seq[10:2060]
    assert await store.read_messages("g1", before=2090, limit=2005) == by_seq[84:2089]


async def test_recall_marks_the_message(store: Store) -> None:
    """recall_message marks a message recalled and replaces its body by the one kept;
    recalling it again changes nothing."""
    await create(store, "g1", "alice", ["bob"])
    records = await fill(store, 3)
    recalled = msgspec.structs.replace(records[1], recalled=True, body=b"kept")
    assert await store.recall_message("g1", 2, b"kept") == recalled
    assert await store.recall_message("g1", 2, b"other") == recalled
    assert await history(store) == [records[0], recalled, records[2]]


async def test_recall_of_tips_and_missing_messages(store: Store) -> None:
    """Recalling a tip, a seq that does not exist, or in an unknown group returns None and changes nothing."""
    await create(store, "g1", "alice", ["bob"])
    tip, _ = await append(store, kind="tip")
    assert await store.recall_message("g1", tip.seq, b"") is None
    assert await store.recall_message("g1", 0, b"") is None and await store.recall_message("g1", 2, b"") is None
    assert await store.recall_message("nope", 1, b"") is None
    assert await history(store) == [tip] and await history(store, "nope") == []


async def test_concurrent_recalls(store: Store) -> None:
    """Concurrent recalls of one message all return it recalled."""
    await create(store, "g1", "alice", ["bob"])
    first, _ = await append(store)
    results = await asyncio.gather(*(store.recall_message("g1", 1, b"kept") for _ in range(10)))
    assert results == [msgspec.structs.replace(first, recalled=True, body=b"kept")] * 10


async def test_set_read_seq_only_raises(store: Store) -> None:
    """set_read_seq raises the member's read_seq, never lowers it, and returns the value now held."""
    await create(store, "g1", "alice", ["bob"])
    assert await store.set_read_seq("g1", "bob", 5) == 5
    assert await store.set_read_seq("g1", "bob", 3) == 5
    assert await store.set_read_seq("g1", "bob", 5) == 5
    assert await store.set_read_seq("g1", "bob", 7) == 7
    assert await store.get_member("g1", "bob") == member("bob", read_seq=7)
    assert await store.get_member("g1", "alice") == member("alice", "Owner")


async def test_set_read_seq_of_non_members(store: Store) -> None:
    """set_read_seq of a non-member, or in an unknown group, returns None and creates no member."""
    await create(store, "g1", "alice")
    assert await store.set_read_seq("g1", "bob", 3) is None
    assert await store.set_read_seq("nope", "alice", 3) is None
    assert await store.get_member("g1", "bob") is None and await store.get_member("nope", "alice") is None
    assert await count_is_exact(store, "g1") == 1


async def test_concurrent_read_seqs_keep_the_highest(store: Store) -> None:
    """Concurrent set_read_seq calls leave the highest value, whatever order they ran in."""
    await create(store, "g1", "alice", ["bob"])
    await asyncio.gather(*(store.set_read_seq("g1", "bob", s) for s in [3, 9, 1, 7, 9, 2, 8]))
    bob = await store.get_member("g1", "bob")
    assert bob is not None and bob.read_seq == 9


async def test_delete_group_removes_history(store: Store) -> None:
    """delete_group removes the history and the retry index: a group re-created with the ID starts at seq 1."""
    await create(store, "g1", "alice", ["bob"])
    await fill(store, 5)
    await store.delete_group("g1", day=DAY)
    assert await history(store) == [] and await store.read_messages("g1", limit=10) == []
    assert await store.recall_message("g1", 1, b"") is None
    await create(store, "g1", "alice", ["bob"])
    again, retried = await append(store, random=0, at=T0 + 1)  # the same sender and random as the old seq 1
    assert (again.seq, retried) == (1, False)
    assert await history(store) == [again]
    group = await store.get_group("g1")
    assert group is not None and group.next_msg_seq == 2
