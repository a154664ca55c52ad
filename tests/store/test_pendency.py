"""The PendencyStore contract: applications, decisions and each user's list, on both stores."""

from __future__ import annotations

import asyncio

from protocol.errors import ErrorCode, GroupcastError
from server.store import Application, Store

from .helpers import T0, application, refused

# Not pinned down: whether an application that fell off every pendency list can still
# be read.


async def test_add_and_get_application(store: Store) -> None:
    """An added application reads back as given; an unknown ID reads as None."""
    invite = application("a1", kind=1, from_user="alice", to_user="bob", request_msg="join us", add_time=T0 + 3)
    await store.add_application(invite, ["bob"], keep=50)
    assert await store.get_application("a1") == invite
    assert await store.get_application("nope") is None


async def test_find_pending_matches_parties_and_kind(store: Store) -> None:
    """find_pending finds a pending application only for the same group, kind, from_user and to_user."""
    await store.add_application(application("a1"), ["alice"], keep=50)
    await store.add_application(application("a2", kind=1, from_user="alice", to_user="bob"), ["bob"], keep=50)
    assert await store.find_pending("g1", 0, "dave", "") == application("a1")
    assert (await store.find_pending("g1", 1, "alice", "bob")) == application(
        "a2", kind=1, from_user="alice", to_user="bob"
    )
    assert await store.find_pending("g2", 0, "dave", "") is None
    assert await store.find_pending("g1", 1, "dave", "") is None
    assert await store.find_pending("g1", 0, "erin", "") is None
    assert await store.find_pending("g1", 1, "alice", "carol") is None
    await store.decide_application("a1", "alice", True, "")
    assert await store.find_pending("g1", 0, "dave", "") is None


async def test_pendency_newest_first_with_read_flags(store: Store) -> None:
    """pendency lists the user's items newest first; mark_pendency_read marks only that user's current items."""
    await store.add_application(application("a1"), ["alice", "bob"], keep=50)
    await store.add_application(application("a2", from_user="erin"), ["alice"], keep=50)
    assert await store.pendency("alice") == [(application("a2", from_user="erin"), False), (application("a1"), False)]
    await store.mark_pendency_read("alice")
    await store.add_application(application("a3", from_user="frank"), ["alice"], keep=50)
    assert [(a.application_id, read) for a, read in await store.pendency("alice")] == [
        ("a3", False),
        ("a2", True),
        ("a1", True),
    ]
    assert await store.pendency("bob") == [(application("a1"), False)]
    assert await store.pendency("nobody") == []
    await store.mark_pendency_read("nobody")


async def test_pendency_keeps_the_newest(store: Store) -> None:
    """With keep=50, the 51st and later items drop the oldest ones from the list."""
    for i in range(53):
        await store.add_application(application(f"a{i:02d}", from_user=f"u{i}"), ["alice"], keep=50)
    items = await store.pendency("alice")
    assert [a.application_id for a, _ in items] == [f"a{i:02d}" for i in range(52, 2, -1)]


async def test_decide_application_first_decision_wins(store: Store) -> None:
    """The first decision is recorded and returned; a later one raises ALREADY_HANDLED and changes nothing."""
    await store.add_application(application("a1", request_msg="please"), ["alice"], keep=50)
    decided = await store.decide_application("a1", "alice", True, "welcome")
    expected = application("a1", request_msg="please", handled_by="alice", handled_msg="welcome", result=1)
    assert decided == expected and await store.get_application("a1") == expected
    await refused(ErrorCode.ALREADY_HANDLED, store.decide_application("a1", "bob", False, "no"))
    assert await store.get_application("a1") == expected
    await store.add_application(application("a2"), ["alice"], keep=50)
    refusal = await store.decide_application("a2", "bob", False, "sorry")
    assert (refusal.result, refusal.handled_by, refusal.handled_msg) == (0, "bob", "sorry")


async def test_decide_unknown_application(store: Store) -> None:
    """Deciding an unknown application raises INVALID_PARAMETER."""
    await refused(ErrorCode.INVALID_PARAMETER, store.decide_application("nope", "alice", True, ""))
    assert await store.get_application("nope") is None


async def test_concurrent_decisions_exactly_one_wins(store: Store) -> None:
    """Of 10 concurrent decisions on one application exactly one succeeds; the rest get ALREADY_HANDLED."""
    await store.add_application(application("a1"), ["alice"], keep=50)
    results = await asyncio.gather(
        *(store.decide_application("a1", f"h{i}", i % 2 == 0, f"m{i}") for i in range(10)), return_exceptions=True
    )
    won = [r for r in results if isinstance(r, Application)]
    lost = [r for r in results if isinstance(r, GroupcastError)]
    assert len(won) == 1 and len(lost) == 9 and all(r.code == ErrorCode.ALREADY_HANDLED for r in lost)
    assert await store.get_application("a1") == won[0]
    assert won[0].result == (1 if int(won[0].handled_by[1:]) % 2 == 0 else 0)
