"""The durable state behind the domain, behind small interfaces: one per aggregate.

Each aggregate the domain keeps has its own Protocol, which states what it guarantees
(atomicity, expiry), as centrifuge's ``presence.go`` and ``broker.go`` do:

* :class:`AccountStore`: registered users
* :class:`PresenceStore`: each user's online devices (slots that expire)
* :class:`GroupStore`: group records, the daily creation cap, the list of groups
* :class:`MemberStore`: the members of groups, and each user's groups
* :class:`HistoryStore`: a group's messages and tips; read marks
* :class:`RoomStore`: AVChatRoom bans, mutes and audience counts
* :class:`NoticeStore`: each user's system notices
* :class:`PendencyStore`: applications and invitations, and each user's list of them
* :class:`ConsoleSessionStore`: console sessions signed out

:class:`Store` is their union plus ``start`` and ``close``: what a node opens. A piece of
code that needs one aggregate may ask for that Protocol alone.

Two implementations, chosen by configuration (:func:`open_store`), each a package with one
module per aggregate (their docstrings say how they are composed):

* :class:`~server.store.sqlite.SqliteStore` (default): SQLite in the data dir, WAL mode,
  every statement on one database thread that commits in batches (group commit), so
  the event loop never blocks on disk. One node.
* :class:`~server.store.redis.RedisStore` (``--redis-url``): Redis, keys hash-tagged per
  user (``{u:<id>}``) or group (``{g:<id>}``) so a Redis Cluster can shard them; each
  operation on one entity is atomic (MULTI or a Lua script). Many nodes.

Guarantees every implementation gives (the contract tests in ``tests/store/`` check them
on both):

* A coroutine that returned has made its change durable (SQLite: committed to the WAL;
  Redis: acknowledged by the server). Events are published only after that.
* A refusal raises :class:`protocol.errors.GroupcastError` and changes nothing.
* Each Protocol below adds its own: what is atomic, what expires, what is exact and what
  is best effort.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from .records import (
    Account,
    AddOutcome,
    Application,
    DeviceRecord,
    GroupChanges,
    GroupRecord,
    MemberChanges,
    MemberRecord,
    MessageRecord,
)

if TYPE_CHECKING:
    from ..config import Config

__all__ = [
    "Account",
    "AccountStore",
    "AddOutcome",
    "Application",
    "ConsoleSessionStore",
    "DeviceRecord",
    "GroupChanges",
    "GroupRecord",
    "GroupStore",
    "HistoryStore",
    "MemberChanges",
    "MemberRecord",
    "MemberStore",
    "MessageRecord",
    "NoticeStore",
    "PendencyStore",
    "PresenceStore",
    "RoomStore",
    "Store",
    "open_store",
]


class AccountStore(Protocol):
    """Registered users, by user ID.

    Atomicity: each account is created, updated or deleted in one step of its own; a call
    over many accounts is not one step (a concurrent reader may see part of it done).
    Accounts never expire.
    """

    async def import_accounts(self, accounts: Sequence[Account], now: int) -> None:
        """Create missing accounts; overwrite the profile fields that are not None."""

    async def existing_accounts(self, user_ids: Sequence[str]) -> set[str]:
        """The subset of ``user_ids`` that are registered."""

    async def get_accounts(self, user_ids: Sequence[str]) -> dict[str, Account]:
        """Registered accounts among ``user_ids``, by user ID."""

    async def delete_accounts(self, user_ids: Sequence[str]) -> set[str]:
        """Delete accounts; returns the ones that existed (and are now gone)."""


class PresenceStore(Protocol):
    """Each user's online devices: slots that expire.

    Atomicity: everything about one user's devices is one step: concurrent claims never
    put more than ``limit`` other devices online, and a release or refresh acts only while
    the entry is held by the session that names it.

    Expiry: an entry counts until its ``expires_at``: after it, it is neither returned nor
    counted against the limit, and a late refresh does not revive it. A node that died
    therefore holds no slot longer than its sessions' last ``expires_at``; one entry's
    expiry never cuts short the user's other entries. The embedded store keeps presence in
    the process's memory (one node: as long-lived as the sessions it describes).
    """

    async def claim_device(self, user_id: str, device: DeviceRecord, limit: int, now: float) -> list[DeviceRecord]:
        """Register ``device`` as online; return the user's other online devices.

        A device ID that is already online is taken over (the caller closes the old
        session). Raises ``DEVICE_LIMIT`` when ``limit`` other devices are online, that
        is, when this one would be one too many.
        """

    async def release_device(self, user_id: str, device_id: str, session_id: str) -> None:
        """Forget the device, unless another session has taken it over since."""

    async def refresh_devices(self, devices: Sequence[tuple[str, DeviceRecord]]) -> None:
        """Extend the given ``(user_id, device)`` entries to their new ``expires_at``,
        where the entry is still held by the same session (others are left alone)."""

    async def online_devices(self, user_id: str, now: float) -> list[DeviceRecord]:
        """The user's devices whose entry has not expired."""


class GroupStore(Protocol):
    """Group records, the per-app daily creation cap, and the list of every group.

    ``day`` is a UTC day number (unix time // 86400). The per-app counter of a day is the
    net number of groups created that day (created minus dismissed).

    Atomicity: a group's record changes in one step with its members (creation, owner
    transfer, profile updates: ``info_seq`` goes up by exactly one per update). The daily
    cap is exact (checked and counted in one step). The per-user group limit is exact on
    the embedded store and best effort on Redis (concurrent creations and additions may
    each see room and overshoot it). ``delete_group`` takes with it everything the group
    owns: members, history, pending applications, restrictions, audience counts; the ID
    is free again at once. Nothing expires. On Redis, a crash between the steps of a
    creation or deletion can leave the user index or the group list behind the truth
    (``server/store/redis/keys.py`` lists what, and who repairs it).
    """

    async def create_group(
        self, group: GroupRecord, members: Sequence[MemberRecord], *, day: int, daily_cap: int, groups_per_user: int
    ) -> list[str]:
        """Create ``group`` with ``members`` (the owner among them, role Owner).

        ``group.member_count`` is set from the members added. Refusals, which change
        nothing: ``GROUP_ID_TAKEN`` (the ID exists), ``RATE_LIMITED`` (the day's net
        count reached ``daily_cap``), ``TOO_MANY_GROUPS`` (the owner already belongs to
        ``groups_per_user`` groups). Other members who belong to ``groups_per_user``
        groups are left out; their IDs are returned. Counts the group in ``day``.
        """

    async def get_group(self, group_id: str) -> GroupRecord | None:
        """The group, or None."""

    async def get_group_and_member(self, group_id: str, user_id: str) -> tuple[GroupRecord | None, MemberRecord | None]:
        """:meth:`get_group` and :meth:`MemberStore.get_member` in one read (the two
        agree): what every group op of a user starts with (one trip to the store on its
        hot path, not two)."""

    async def get_groups(self, group_ids: Sequence[str]) -> dict[str, GroupRecord]:
        """The existing groups among ``group_ids``, by ID."""

    async def update_group(self, group_id: str, changes: GroupChanges, now: int) -> GroupRecord:
        """Apply ``changes``, bump ``info_seq`` and set ``last_info_time``; the new record.
        ``GROUP_NOT_FOUND`` if there is no such group."""

    async def delete_group(self, group_id: str, *, day: int) -> tuple[GroupRecord, list[str]]:
        """Delete the group, its members and its pending applications, irreversibly; the
        record and the member IDs it had. If it was created on ``day``, that day's net
        count goes down by one. ``GROUP_NOT_FOUND`` if there is no such group."""

    async def list_groups(
        self, *, group_type: str | None, after: int, limit: int, search: str = ""
    ) -> tuple[list[tuple[int, GroupRecord]], int]:
        """Up to ``limit`` groups in creation order, each with its cursor, and the number
        of groups matching the filters (wherever the cursor is).

        The cursor is a per-group ordinal assigned at creation: it only grows (a dismissed
        group's ordinal is never reused), so ``after`` = the last cursor of a page gives
        the next page, and groups created meanwhile come at the end; 0 starts at the
        beginning. ``group_type`` (a canonical type name) keeps that type only;
        ``search`` keeps the group whose ID is exactly ``search`` and the groups whose
        name contains it, case-insensitively (``str.casefold``).

        Cost: without ``search`` a page reads an index range (O(log n + limit)) and the
        total is a stored count. With ``search`` the name match reads every group of the
        type (documented scan: the console's search box, not a hot path)."""

    async def transfer_owner(self, group_id: str, new_owner_id: str) -> GroupRecord:
        """Make ``new_owner_id`` (a member) the owner; the old owner becomes a Member.
        ``GROUP_NOT_FOUND``; ``NO_PERMISSION`` if the new owner is not a member."""


class MemberStore(Protocol):
    """The members of groups that keep them, and the groups of each user.

    Atomicity: adding and removing members is one step per group: ``max_members`` is
    never exceeded, ``member_count`` always equals the number of members, and of
    concurrent calls each user is added (or removed) once. A member record is updated as
    a whole (no change is lost to a concurrent send or read mark). ``user_groups`` is an
    index: exact on the embedded store; on Redis it never lists a group the user is not in,
    but a crash mid-operation (or a removal and a re-add of one user racing) may hide one
    until an add of that member repairs it. Nothing expires; members go with their group.
    """

    async def get_member(self, group_id: str, user_id: str) -> MemberRecord | None:
        """The member, or None (also when the group does not exist)."""

    async def get_members(self, group_id: str, user_ids: Sequence[str]) -> dict[str, MemberRecord]:
        """The members among ``user_ids``, by user ID."""

    async def list_members(self, group_id: str, offset: int, limit: int) -> list[MemberRecord]:
        """Members ordered by join time, then user ID: a stable order for paging."""

    async def member_ids(self, group_id: str, roles: Sequence[str] = ()) -> list[str]:
        """All members' IDs, or only those whose role is in ``roles``."""

    async def add_members(self, group_id: str, members: Sequence[MemberRecord], *, groups_per_user: int) -> AddOutcome:
        """Add members atomically. Users already in the group are reported as existing
        (and left unchanged); users who belong to ``groups_per_user`` groups as over the
        limit. ``GROUP_NOT_FOUND``; ``GROUP_FULL`` (nothing added) if the new members
        would take ``member_count`` past ``max_members`` (0 = unlimited)."""

    async def remove_members(self, group_id: str, user_ids: Sequence[str]) -> list[str]:
        """Remove members; the ones that were members. Removing the owner leaves the
        group ownerless (``owner_id`` "")."""

    async def update_member(self, group_id: str, user_id: str, changes: MemberChanges) -> MemberRecord | None:
        """Apply ``changes``; the new record, or None if not a member."""

    async def user_groups(self, user_id: str) -> dict[str, str]:
        """The groups the user is a member of: group ID -> the member's ``msg_flag``."""


class HistoryStore(Protocol):
    """Each group's history (messages and tips under the group's seq) and read marks.

    Atomicity: an append is one step in the group: seqs are dense (1, 2, 3..., no gap and
    no repeat under any concurrency), and a retry within the dedupe window is found in
    that same step, so concurrent retries store one message. A recall replaces a message's
    body once; a read mark only goes up. Nothing expires or is trimmed: a history lives as
    long as its group.
    """

    async def append_message(
        self, group_id: str, message: MessageRecord, *, now: int, dedupe_since: int
    ) -> tuple[MessageRecord, bool]:
        """Append to the group's history, atomically: ``seq`` = the group's
        ``next_msg_seq`` (which goes up by one), ``time`` = ``now``; the group's
        ``last_msg_time`` = ``now``; for a "msg", the sender's ``last_send_time`` = ``now``
        (if a member). Returns (the stored record, False).

        A retry -- a "msg" from the same sender with the same ``random`` stored at or
        after ``dedupe_since`` -- stores nothing and returns (that first record, True).
        ``GROUP_NOT_FOUND`` if there is no such group."""

    async def read_messages(
        self, group_id: str, *, after: int | None = None, before: int | None = None, limit: int
    ) -> list[MessageRecord]:
        """Up to ``limit`` records, oldest first: with ``after``, the first ones with a
        greater seq; with ``before``, the last ones with a smaller seq; with neither, the
        latest. Reads an index range, never the whole history."""

    async def recall_message(self, group_id: str, seq: int, kept_body: bytes) -> MessageRecord | None:
        """Mark the message ``seq`` recalled, its body replaced by ``kept_body`` (what a
        recalled message keeps: its content is gone for good); the record, or None if there
        is no such message (or it is a tip). Recalling it again changes nothing."""

    async def set_read_seq(self, group_id: str, user_id: str, seq: int) -> int | None:
        """Raise the member's ``read_seq`` to ``seq`` (never lowers it); the new value, or
        None if not a member."""


class RoomStore(Protocol):
    """What an AVChatRoom (a group without members) keeps: bans, mutes, audience counts.

    Atomicity: each user's restrictions in a room change in one step. Expiry: a
    restriction is kept, in force or not, until it is lifted or its group is deleted (the
    caller compares ``until`` with the time). An audience count is a node's report as of
    a time; readers count only the reports since the time they give, so a node that died
    stops counting once its last report is older than that. Redis forgets reports an hour
    old; the embedded store keeps them in memory (one node). Both go with the group.
    """

    async def restrict(self, group_id: str, user_id: str, kind: str, until: int) -> None:
        """Ban (``kind`` "ban") or mute ("mute") a user in a memberless group until the
        unix time ``until`` (0 lifts it). Deleted with the group. ``GROUP_NOT_FOUND`` if
        there is no such group (nothing outlives its group)."""

    async def restrictions(self, group_id: str, user_id: str) -> dict[str, int]:
        """The user's restrictions in the group still in force or not: kind -> until."""

    async def restricted(self, group_id: str, kind: str) -> dict[str, int]:
        """Every user with a ``kind`` restriction in the group (in force or not): user -> until."""

    async def set_room_audience(self, group_id: str, node_id: str, count: int, now: float) -> None:
        """Record how many sessions node ``node_id`` has in the live room, as of ``now``."""

    async def room_audience(self, group_id: str, since: float) -> int:
        """The sum of the room's per-node counts recorded at or after ``since``."""


class NoticeStore(Protocol):
    """Each user's system notices, under the user's own notice sequence.

    Atomicity: one user's sequence is dense (1, 2, 3...) and each notice gets one number,
    however many calls run at once; a call over many users is one step per user. Expiry:
    none by time; a user keeps the latest 1,000 notices.
    """

    async def append_notices(self, user_ids: Sequence[str], payload: bytes) -> dict[str, int]:
        """Store ``payload`` for each user under the user's next notice sequence (1, 2,
        ...); the sequence each got. A user keeps at most the latest 1,000 notices."""

    async def notices_after(self, user_id: str, after_seq: int, limit: int) -> list[tuple[int, bytes]]:
        """The user's notices with sequence above ``after_seq``, oldest first."""

    async def last_notice_seq(self, user_id: str) -> int:
        """The sequence of the user's latest notice (0: none yet)."""


class PendencyStore(Protocol):
    """Applications to join, invitations, and each user's list of those waiting on them.

    Atomicity: the first decision on an application wins, exactly once under any
    concurrency. Adding an application is one step per recipient's list (a reader may see
    it on one list before another). Expiry: none by time; a list keeps its newest ``keep``
    items, and applications go with their group.
    """

    async def add_application(self, application: Application, recipients: Sequence[str], *, keep: int) -> None:
        """Store the application and put it, unread, on each recipient's list. A list
        keeps the newest ``keep`` items: adding one more drops the oldest."""

    async def get_application(self, application_id: str) -> Application | None:
        """The application, or None."""

    async def find_pending(self, group_id: str, kind: int, from_user: str, to_user: str) -> Application | None:
        """A pending application with these parties, if there is one."""

    async def pendency(self, user_id: str) -> list[tuple[Application, bool]]:
        """The user's list, newest first, each with whether the user has read it."""

    async def mark_pendency_read(self, user_id: str) -> None:
        """Mark every item on the user's list as read."""

    async def decide_application(self, application_id: str, handler_id: str, accept: bool, message: str) -> Application:
        """Record the first decision on a pending application; the updated record.
        ``ALREADY_HANDLED`` if it was decided before; ``INVALID_PARAMETER`` if there is
        no such application."""


class ConsoleSessionStore(Protocol):
    """Console sessions signed out. A console session lives in its signed cookie; only the
    ones signed out are stored, so that every node refuses them, after a restart too.

    Expiry: a sign-out is kept until its ``until`` (when the cookie expires anyway), then
    may be forgotten: it never reads as ended after that.
    """

    async def end_console_session(self, session_id: str, until: int, now: int) -> None:
        """Record that the console session ``session_id`` was signed out, until ``until``
        (when its cookie expires anyway). Records whose ``until`` is past ``now`` may go."""

    async def console_session_ended(self, session_id: str, now: int) -> bool:
        """Whether ``session_id`` was signed out, with its ``until`` still after ``now``."""


class Store(
    AccountStore,
    PresenceStore,
    GroupStore,
    MemberStore,
    HistoryStore,
    RoomStore,
    NoticeStore,
    PendencyStore,
    ConsoleSessionStore,
    Protocol,
):
    """Every aggregate, and the store's life: what a node opens at start and closes at stop."""

    async def start(self) -> None:
        """Open connections, create the schema (or bring an older one up to date)."""

    async def close(self) -> None:
        """Flush what is pending and release connections. No call may follow."""


def open_store(config: Config) -> Store:
    if config.redis_url:
        from .redis import RedisStore

        return RedisStore(config.redis_url, config.redis_prefix)
    from .sqlite import SqliteStore

    return SqliteStore(config.data_dir)
