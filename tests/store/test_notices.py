"""The NoticeStore contract: per-user notice sequences, on both stores."""

from __future__ import annotations

import asyncio

import msgspec

from server.store import Store

# Reading these tests pin down: a user listed twice in append_notices gets one notice
# (the result maps user -> seq).


async def test_notice_sequences_are_per_user_and_gap_free(store: Store) -> None:
    """Each user's notices are numbered 1, 2, ... independently of other users'."""
    assert await store.append_notices(["alice", "bob"], b"one") == {"alice": 1, "bob": 1}
    assert await store.append_notices(["alice"], b"two") == {"alice": 2}
    assert await store.append_notices(["bob", "carol", "alice"], b"three") == {"bob": 2, "carol": 1, "alice": 3}
    assert await store.append_notices([], b"none") == {}
    assert [await store.last_notice_seq(u) for u in ("alice", "bob", "carol", "dave")] == [3, 2, 1, 0]
    assert await store.notices_after("alice", 0, 10) == [(1, b"one"), (2, b"two"), (3, b"three")]
    assert await store.notices_after("bob", 0, 10) == [(1, b"one"), (2, b"three")]


async def test_notice_payload_bytes_round_trip(store: Store) -> None:
    """Arbitrary payload bytes (NUL, invalid UTF-8, empty) come back exactly."""
    payloads = [bytes(range(256)), b"\xff\xfe\x00\x00", b"", msgspec.msgpack.encode({"op": 5, "g": "g1"})]
    for payload in payloads:
        await store.append_notices(["alice"], payload)
    assert await store.notices_after("alice", 0, 10) == list(enumerate(payloads, start=1))


async def test_notice_to_a_user_listed_twice_is_stored_once(store: Store) -> None:
    """A user listed twice in one append_notices call gets one notice."""
    assert await store.append_notices(["alice", "alice"], b"x") == {"alice": 1}
    assert await store.last_notice_seq("alice") == 1 and await store.notices_after("alice", 0, 10) == [(1, b"x")]


async def test_notices_after_limit_and_order(store: Store) -> None:
    """notices_after returns at most ``limit`` notices above ``after_seq``, oldest first."""
    for i in range(1, 11):
        await store.append_notices(["alice"], f"n{i}".encode())
    assert await store.notices_after("alice", 3, 4) == [(s, f"n{s}".encode()) for s in (4, 5, 6, 7)]
    assert [s for s, _ in await store.notices_after("alice", 8, 100)] == [9, 10]
    assert await store.notices_after("alice", 10, 5) == []
    assert await store.notices_after("nobody", 0, 5) == []


async def test_concurrent_notices_keep_the_latest_1000(store: Store) -> None:
    """1,005 concurrent appends number 1..1005 without gaps; only the latest 1,000 are kept, and numbering goes on."""
    results = await asyncio.gather(*(store.append_notices(["alice", "bob"], f"p{i}".encode()) for i in range(1005)))
    by_seq = {r["alice"]: f"p{i}".encode() for i, r in enumerate(results)}
    assert sorted(by_seq) == list(range(1, 1006)) and sorted(r["bob"] for r in results) == list(range(1, 1006))
    kept = await store.notices_after("alice", 0, 5000)
    assert kept == [(s, by_seq[s]) for s in range(6, 1006)]
    assert await store.last_notice_seq("alice") == 1005
    assert await store.append_notices(["alice"], b"next") == {"alice": 1006}
    assert [s for s, _ in await store.notices_after("alice", 0, 2)] == [7, 8]
