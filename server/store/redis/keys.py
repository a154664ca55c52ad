"""Where the Redis store keeps what, and in which order an operation writes it.

Key layout (``P`` = the configured prefix; the ``{...}`` part is the Redis Cluster hash
tag, so everything about one user, one group or one application lives in one slot):

==================================  ===========================================================
``P{u:<user>}:account``             hash: nick, face_url, created_at
``P{u:<user>}:devices``             hash: device ID -> JSON DeviceRecord (presence)
``P{u:<user>}:groups``              hash: group ID -> msg_flag, the groups the user is in (an
                                    index: the group's ``:members`` is the truth)
``P{u:<user>}:notices``             sorted set: score = notice seq, member ``b"<seq>:" + payload``;
                                    the latest 1,000
``P{u:<user>}:notice_seq``          string: the user's last notice seq
``P{u:<user>}:pendency``            sorted set: score = position, member application ID (newest
                                    = highest; an item added again moves to the top)
``P{u:<user>}:pendency_ord``        string: the counter that gives those positions
``P{u:<user>}:pendency_read``       set: application IDs on the list that the user has read
``P{g:<group>}:info``               hash: the GroupRecord fields as text (bools "0"/"1",
                                    ``custom`` a JSON object); ``member_count`` is kept equal to
                                    HLEN ``:members`` by every script that changes members
``P{g:<group>}:members``            hash: user ID -> MessagePack member record (every field but
                                    user_id and role; a map, which scripts edit with cmsgpack)
``P{g:<group>}:order``              sorted set: score join_time, member user ID. Equal scores sort
                                    by member bytes: paging by join time, then user ID
``P{g:<group>}:roles``              hash: user ID -> role, only for members who are not plain
                                    Members (the role's one home: owners and admins are found
                                    without reading every member)
``P{g:<group>}:apps``               set: IDs of the group's applications (dropped with the group)
``P{g:<group>}:pending``            hash: JSON ``[kind, from, to]`` -> ID of the pending
                                    application with these parties (checked against the record)
``P{g:<group>}:history``            hash: seq -> MessagePack ``[time, sender, random, kind, body,
                                    recalled]``. Seqs are dense (1 .. next_msg_seq - 1, nothing is
                                    ever removed but with the group), so a page is HMGET over a
                                    computed seq range: O(page), whatever the history's size
``P{g:<group>}:recent``             sorted set: member ``sender NUL random`` of each "msg" appended
                                    in the dedupe window, score its time; entries older than the
                                    window are trimmed by the append script
``P{g:<group>}:recent_seq``         hash: ``sender NUL random`` -> seq, the same entries as
                                    ``:recent`` (the record a retry gets back)
``P{g:<group>}:restrictions``       hash: user ID -> JSON ``{kind: until}`` (AVChatRoom bans and
                                    mutes; a lifted one is removed, an empty map with it)
``P{g:<group>}:audience``           hash: node ID -> ``"<count> <as of>"``, each node's AVChatRoom
                                    audience (0 removes the entry; entries an hour old are
                                    dropped, and the key expires an hour after the last report)
``P{a:<application>}``              hash: the Application fields as text
``P{a:<application>}:to``           set: the users whose lists it was put on
``P{app}:created:<day>``            string: net groups created on a UTC day; expires after 3 days
``P{app}:group_ord``                string: the last group ordinal given (``list_groups``' cursor;
                                    each group keeps its own in ``:info`` field ``ord``)
``P{app}:groups``                   sorted set: score = ordinal, member group ID: every group in
                                    creation order (ZCARD: the total)
``P{app}:groups:<type>``            sorted set: the same for the groups of one type
``P{app}:signout:<session>``        string: ``until``, a console session signed out; expires then
``P{app}:groups_indexed``           string: set once the groups of an earlier version (without
                                    ordinals) have been indexed, at the first start
==================================  ===========================================================

Atomicity. Each step below touches one slot and is atomic there (a Lua script, or
MULTI/EXEC for reads that must agree). An operation that spans slots runs its steps in a
fixed order, and the group's (or application's) own slot is the truth:

* ``create_group``: (1) reads, best effort: does the ID exist, the day's count, HLEN of each
  member's ``:groups`` (the per-user limit; concurrent creates and adds may each see room,
  so that limit can be overshot under concurrency); (2) the day counter, checked and counted
  in one script, and the group's ordinal (INCR: a refused creation wastes one, harmlessly);
  (3) the group slot, in one script that refuses a taken ID (the count is then taken back);
  (4) the group index (``P{app}:groups`` and its type's set, one MULTI); (5) each member's
  ``:groups``.
* ``add_members`` / ``remove_members``: (1) HLEN of the users' ``:groups`` (add only, best
  effort as above); (2) the group slot, in one script: existence, exact capacity
  (``GROUP_FULL``), who is new (each new member's ``join_seq``: the group's
  ``next_msg_seq``), who was a member, ``member_count``, ``owner_id``; (3) the users'
  ``:groups``.
* ``update_member``: the record is rewritten with a compare-and-set script (read, change in
  Python, write if unchanged, else retry: the member's own sends and read marks change the
  record too); then the user's ``:groups`` msg_flag, if the entry is there.
* ``delete_group``: (1) the group slot, read and deleted in one script; (2) the members'
  ``:groups``; (3) the group's applications and their places on users' lists; (4) the day
  counter, if the group was created that day; (5) the group index entries, in one script
  that removes them only while they carry this group's ordinal (the ID may have been
  taken again meanwhile).
* ``list_groups``: reads the index, then the groups' ``:info``. A page skips index entries
  whose group is gone (and removes them, as step 5 would have); with ``search`` it reads
  the name of every indexed group of the type (a scan: pipelined, 1,000 a round trip).
* ``append_message``: one script in the group slot: existence, the retry lookup (and the
  trimming of ``:recent``), seq, ``last_msg_time``, the record, the sender's
  ``last_send_time``. ``set_read_seq`` and ``restrict``: one script each. ``recall_message``:
  a compare-and-set script on the record (a recall is the only change a record ever sees).
* ``add_application``: (1) the application; (2) the group's ``:apps`` and ``:pending``;
  (3) each recipient's list, one script each. ``decide_application``: (1) the first decision,
  in one script on the application (first decision wins); (2) the ``:pending`` entry.

Consequence: a crash (or a lost connection) between steps leaves the later steps undone.
The user index is what goes stale: a ``:groups`` entry for a group the user has left (or
that is gone), or no entry for a group they joined. Readers check the index against the
truth: ``user_groups`` reads each listed group's member record (and takes msg_flag from
it), so an extra entry is seen only by the best-effort HLEN count, while a missing one hides
that group from ``user_groups``. Repairs: ``user_groups`` drops the extra entries it finds
(under WATCH, so that a concurrent join is not undone); ``add_members`` puts back the entry
of a user it finds already a member. Two concurrent calls that remove and re-add one user
can also leave the entry missing until then. The group index: a crash between steps 3 and
4 of ``create_group`` leaves the group out of ``list_groups``; one before step 5 of
``delete_group`` leaves an entry that totals count until a page reaches it (which drops
it). Elsewhere: a ``:pending`` entry of a decided application is ignored (``find_pending``
reads the application); a day count taken just before a crash, for a group never created,
stays (too high, the safe side) until the key expires; applications of a deleted group
that were not yet dropped stay readable, and listed until they fall off the lists.
"""

from __future__ import annotations

__all__ = ["GROUP_KEYS", "RedisKeys"]

# Every key of a group's slot, in the order the group scripts take them.
GROUP_KEYS = (
    "info",
    "members",
    "order",
    "roles",
    "apps",
    "pending",
    "history",
    "recent",
    "recent_seq",
    "restrictions",
    "audience",
)


class RedisKeys:
    """Spells every key of the layout above, under one prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def user(self, user_id: str, what: str) -> str:
        return f"{self.prefix}{{u:{user_id}}}:{what}"

    def group(self, group_id: str, what: str) -> str:
        return f"{self.prefix}{{g:{group_id}}}:{what}"

    def group_all(self, group_id: str) -> list[str]:
        """Every key of the group's slot; the group scripts take them in this order."""
        return [self.group(group_id, w) for w in GROUP_KEYS]

    def application(self, application_id: str, what: str = "") -> str:
        return f"{self.prefix}{{a:{application_id}}}{':' + what if what else ''}"

    def app(self, what: str) -> str:
        return f"{self.prefix}{{app}}:{what}"

    def day(self, day: int) -> str:
        return self.app(f"created:{day}")

    def index(self, group_type: str | None) -> str:
        """The group index: every group, or the groups of one type."""
        return self.app("groups" if group_type is None else f"groups:{group_type}")
