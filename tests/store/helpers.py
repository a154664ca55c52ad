"""Builders and shorthands the store contract tests share (the fixture is in conftest.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

import pytest

from protocol.errors import ErrorCode, GroupcastError
from server.store import Application, DeviceRecord, GroupRecord, MemberRecord, MessageRecord, Store

T0 = 1_700_000_000
DAY = T0 // 86400
CAP = 10_000
LIMIT = 1_000


def device(device_id: str, session_id: str, expires_at: float, platform: str = "Web") -> DeviceRecord:
    return DeviceRecord(
        device_id=device_id, platform=platform, login_time=T0, session_id=session_id, expires_at=expires_at
    )


def ids(devices: list[DeviceRecord]) -> list[str]:
    return sorted(d.device_id for d in devices)


def group_record(group_id: str = "g1", owner: str = "alice", **fields: Any) -> GroupRecord:
    fields.setdefault("created_at", T0)
    fields.setdefault("name", f"name of {group_id}")
    fields.setdefault("type", "Public")
    return GroupRecord(group_id=group_id, owner_id=owner, **fields)


def member(user_id: str, role: str = "Member", join_time: int = T0, **fields: Any) -> MemberRecord:
    """A member record; as an expected value, one that joined before any message (join_seq 1)."""
    fields.setdefault("join_seq", 1)
    return MemberRecord(user_id=user_id, role=role, join_time=join_time, **fields)


async def create(
    store: Store,
    group_id: str = "g1",
    owner: str = "alice",
    others: Sequence[str] = (),
    *,
    day: int = DAY,
    daily_cap: int = CAP,
    groups_per_user: int = LIMIT,
    **fields: Any,
) -> list[str]:
    """Create a group owned by ``owner`` (no owner if "") with ``others`` as Members."""
    members = ([member(owner, "Owner")] if owner else []) + [member(u) for u in others]
    return await store.create_group(
        group_record(group_id, owner, **fields), members, day=day, daily_cap=daily_cap, groups_per_user=groups_per_user
    )


async def refused(code: ErrorCode, call: Awaitable[object]) -> None:
    with pytest.raises(GroupcastError) as info:
        await call
    assert info.value.code == code


async def count_is_exact(store: Store, group_id: str) -> int:
    group = await store.get_group(group_id)
    assert group is not None
    assert group.member_count == len(await store.member_ids(group_id))
    return group.member_count


def msg(sender: str = "bob", random: int = 7, body: bytes = b"hello", kind: str = "msg") -> MessageRecord:
    return MessageRecord(sender_id=sender, random=random, body=body, kind=kind)


async def append(
    store: Store,
    group_id: str = "g1",
    sender: str = "bob",
    random: int = 7,
    *,
    at: int = T0,
    since: int | None = None,
    body: bytes = b"hello",
    kind: str = "msg",
) -> tuple[MessageRecord, bool]:
    """Append at time ``at``; the dedupe window starts at ``since`` (default: 300 s before)."""
    return await store.append_message(
        group_id, msg(sender, random, body, kind), now=at, dedupe_since=at - 300 if since is None else since
    )


async def history(store: Store, group_id: str = "g1") -> list[MessageRecord]:
    """The whole history, oldest first (the test groups are small)."""
    return await store.read_messages(group_id, after=0, limit=10_000)


async def fill(store: Store, count: int, group_id: str = "g1") -> list[MessageRecord]:
    """Append ``count`` messages from bob (random = body index, time T0 + i); the records."""
    return [(await append(store, group_id, random=i, at=T0 + i, body=f"m{i}".encode()))[0] for i in range(count)]


def seqs(records: Sequence[MessageRecord]) -> list[int]:
    return [r.seq for r in records]


def application(application_id: str, group_id: str = "g1", from_user: str = "dave", **fields: Any) -> Application:
    fields.setdefault("add_time", T0)
    fields.setdefault("kind", 0)
    return Application(application_id=application_id, group_id=group_id, from_user=from_user, **fields)


async def listed(store: Store, **query: Any) -> list[str]:
    """The IDs of one list_groups page (every group, from the start, by default)."""
    query.setdefault("group_type", None)
    query.setdefault("after", 0)
    query.setdefault("limit", 100)
    page, _ = await store.list_groups(**query)
    return [group.group_id for _, group in page]
