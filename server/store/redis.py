"""The Redis store: state shared by many gateway nodes.

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
``delete_group`` leaves an entry that totals count until a page reaches it. Elsewhere: a ``:pending`` entry of a decided
application is ignored (``find_pending`` reads the application); a day count taken just
before a crash, for a group never created, stays (too high, the safe side) until the key
expires; applications of a deleted group that were not yet dropped stay readable, and
listed until they fall off the lists.

Every script names all its keys in KEYS, and they share one hash tag.

Member records are changed inside scripts (``join_seq`` on joining, ``last_send_time`` on
sending, ``read_seq``) by decoding and re-encoding them with Redis's cmsgpack: field order
and integer widths may change, and an empty ``custom`` map is left out (cmsgpack would
write ``{}`` as an array; the decoder's default is ``{}``). Message records hold bytes
(cmsgpack cannot read MessagePack bin), so scripts treat them as opaque.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import WatchError

from protocol.errors import ErrorCode, GroupcastError

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

__all__ = ["RedisStore"]

# One account, atomically in its slot: create with empty profile fields if missing, then
# set the given ones (an empty ARGV means "keep").
_IMPORT_ACCOUNT = """
redis.call('HSETNX', KEYS[1], 'created_at', ARGV[1])
redis.call('HSETNX', KEYS[1], 'nick', '')
redis.call('HSETNX', KEYS[1], 'face_url', '')
if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'nick', ARGV[3]) end
if ARGV[4] == '1' then redis.call('HSET', KEYS[1], 'face_url', ARGV[5]) end
return 0
"""

_CLAIM_DEVICE = """
local all = redis.call('HGETALL', KEYS[1])
local now = tonumber(ARGV[4])
local others = {}
for i = 1, #all, 2 do
  local rec = cjson.decode(all[i + 1])
  if tonumber(rec.expires_at) <= now then
    redis.call('HDEL', KEYS[1], all[i])
  elseif all[i] ~= ARGV[1] then
    table.insert(others, all[i + 1])
  end
end
if #others >= tonumber(ARGV[3]) then return {0, others} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('EXPIRE', KEYS[1], ARGV[5]) end
return {1, others}
"""

# Delete / refresh the entry only while it still belongs to the same session. The key's
# TTL only ever grows (to outlive its longest entry): a device with a short expiry must
# not take the user's other devices with it.
_RELEASE_DEVICE = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and cjson.decode(cur).session_id == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
"""

_REFRESH_DEVICE = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and cjson.decode(cur).session_id == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  if redis.call('TTL', KEYS[1]) < tonumber(ARGV[4]) then redis.call('EXPIRE', KEYS[1], ARGV[4]) end
end
return 0
"""

# -- day counter (KEYS[1] = P{app}:created:<day>) ----------------------------------------

# Count one more group unless the day's net count reached the cap (ARGV[1]); ARGV[2] = TTL.
_COUNT_DAY = """
if tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""

# One group fewer (never below zero).
_UNCOUNT_DAY = """
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 0
"""

# -- group index (KEYS = P{app}:groups, then type sets) ----------------------------------

# ARGV = group ID, ordinal: remove the entry from each set where it still has that ordinal.
_UNLIST_GROUP = """
for _, key in ipairs(KEYS) do
  local score = redis.call('ZSCORE', key, ARGV[1])
  if score and tonumber(score) == tonumber(ARGV[2]) then redis.call('ZREM', key, ARGV[1]) end
end
return 0
"""

# KEYS = a group's info; ARGV = an ordinal. Give the group that ordinal unless it has one:
# the group's ordinal, or nil if it is gone (indexing groups of an earlier version).
_SET_ORD = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local cur = redis.call('HGET', KEYS[1], 'ord')
if cur then return tonumber(cur) end
redis.call('HSET', KEYS[1], 'ord', ARGV[1])
return tonumber(ARGV[1])
"""

# -- group slot (KEYS = info, members, order, roles[, apps, pending, ...]) --------------

# A Lua function the member scripts start with: the member record ``blob`` with ``field``
# set to ``value``, re-encoded (see the module docstring).
_WITH_FIELD = """
local function with_field(blob, field, value)
  local rec = cmsgpack.unpack(blob)
  rec[field] = value
  if type(rec.custom) == 'table' and next(rec.custom) == nil then rec.custom = nil end
  return cmsgpack.pack(rec)
end
"""

# Create the group unless its ID is taken. ARGV[1] = n, then n field/value pairs of the
# profile, then one (user, record, join_time, role) quadruple per member.
_CREATE_GROUP = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local n = tonumber(ARGV[1])
for i = 2, 2 * n, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
for i = 2 * n + 2, #ARGV, 4 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[3], ARGV[i + 2], ARGV[i])
  if ARGV[i + 3] ~= 'Member' then redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 3]) end
end
redis.call('HSET', KEYS[1], 'member_count', redis.call('HLEN', KEYS[2]))
return 1
"""

# Add the members (quadruples as above) who are not members yet, all or none: {-1} no such
# group, {-2, count, max, new} full, else {1, added IDs, IDs that were members}. Each new
# member's join_seq is the group's next_msg_seq.
_ADD_MEMBERS = (
    _WITH_FIELD
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local join_seq = tonumber(redis.call('HGET', KEYS[1], 'next_msg_seq') or '1')
local new, old = {}, {}
for i = 1, #ARGV, 4 do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then table.insert(old, ARGV[i]) else table.insert(new, i) end
end
local count = redis.call('HLEN', KEYS[2])
local max = tonumber(redis.call('HGET', KEYS[1], 'max_members') or '0')
if max > 0 and count + #new > max then return {-2, count, max, #new} end
local added = {}
for _, i in ipairs(new) do
  redis.call('HSET', KEYS[2], ARGV[i], with_field(ARGV[i + 1], 'join_seq', join_seq))
  redis.call('ZADD', KEYS[3], ARGV[i + 2], ARGV[i])
  if ARGV[i + 3] ~= 'Member' then redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 3]) end
  table.insert(added, ARGV[i])
end
redis.call('HSET', KEYS[1], 'member_count', redis.call('HLEN', KEYS[2]))
return {1, added, old}
"""
)

# Remove the given users (ARGV); the ones that were members. Removing the owner leaves the
# group ownerless.
_REMOVE_MEMBERS = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local owner = redis.call('HGET', KEYS[1], 'owner_id')
local removed = {}
for _, user in ipairs(ARGV) do
  if redis.call('HDEL', KEYS[2], user) == 1 then
    redis.call('ZREM', KEYS[3], user)
    redis.call('HDEL', KEYS[4], user)
    if user == owner then redis.call('HSET', KEYS[1], 'owner_id', '') end
    table.insert(removed, user)
  end
end
redis.call('HSET', KEYS[1], 'member_count', redis.call('HLEN', KEYS[2]))
return removed
"""

# ARGV[1] = now, ARGV[2] = JSON custom changes ('' = none; '' values delete), then
# field/value pairs. The new profile, or nil if there is no such group.
_UPDATE_GROUP = """
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
if ARGV[2] ~= '' then
  local custom = cjson.decode(redis.call('HGET', KEYS[1], 'custom') or '{}')
  for k, v in pairs(cjson.decode(ARGV[2])) do
    if v == '' then custom[k] = nil else custom[k] = v end
  end
  redis.call('HSET', KEYS[1], 'custom', cjson.encode(custom))
end
redis.call('HINCRBY', KEYS[1], 'info_seq', 1)
redis.call('HSET', KEYS[1], 'last_info_time', ARGV[1])
return redis.call('HGETALL', KEYS[1])
"""

# ARGV[1] = the new owner. {0} no such group, {1} not a member, else {2, profile}.
_TRANSFER_OWNER = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return {1} end
local old = redis.call('HGET', KEYS[1], 'owner_id')
if old and old ~= ARGV[1] then redis.call('HDEL', KEYS[4], old) end
redis.call('HSET', KEYS[4], ARGV[1], 'Owner')
redis.call('HSET', KEYS[1], 'owner_id', ARGV[1])
return {2, redis.call('HGETALL', KEYS[1])}
"""

# Compare-and-set one member: ARGV = user, record read, new record, new role ('' = keep).
# -1 not a member, 0 changed meanwhile (retry), else {1, role}.
_UPDATE_MEMBER = """
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if not cur then return -1 end
if cur ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
if ARGV[4] == 'Member' then redis.call('HDEL', KEYS[4], ARGV[1])
elseif ARGV[4] ~= '' then redis.call('HSET', KEYS[4], ARGV[1], ARGV[4]) end
return {1, redis.call('HGET', KEYS[4], ARGV[1]) or 'Member'}
"""

# A page by join time: ARGV = first rank, last rank. Flat (user, record, role) triples.
_LIST_MEMBERS = """
local out = {}
for _, user in ipairs(redis.call('ZRANGE', KEYS[3], ARGV[1], ARGV[2])) do
  table.insert(out, user)
  table.insert(out, redis.call('HGET', KEYS[2], user) or '')
  table.insert(out, redis.call('HGET', KEYS[4], user) or 'Member')
end
return out
"""

# Read and delete everything in the group's slot (all of KEYS): {profile, member IDs by
# join time, application IDs}, or nil if there is no such group.
_DELETE_GROUP = """
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local out = {redis.call('HGETALL', KEYS[1]), redis.call('ZRANGE', KEYS[3], 0, -1), redis.call('SMEMBERS', KEYS[5])}
redis.call('UNLINK', unpack(KEYS))  -- freed in the background
return out
"""

# -- history (KEYS = info, members, history, recent, recent_seq) --------------------------

# ARGV = sender, random, kind, now, dedupe_since, the record (MessagePack, without seq).
# {-1} no such group; {0, seq, record} a retry of the "msg" stored as seq; {1, seq} stored.
# First the dedupe window is trimmed (at most 256 entries a call: each entry is added
# once, so the trimming keeps up with the appends).
_APPEND_MESSAGE = (
    _WITH_FIELD
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local since = tonumber(ARGV[5])
local old = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[5], 'LIMIT', 0, 256)
if #old > 0 then
  redis.call('ZREM', KEYS[4], unpack(old))
  redis.call('HDEL', KEYS[5], unpack(old))
end
local key = ARGV[1] .. '\0' .. ARGV[2]
if ARGV[3] == 'msg' then
  local at = redis.call('ZSCORE', KEYS[4], key)
  if at and tonumber(at) >= since then
    local first = redis.call('HGET', KEYS[5], key)
    local record = first and redis.call('HGET', KEYS[3], first)
    if record then return {0, tonumber(first), record} end
  end
end
local seq = redis.call('HINCRBY', KEYS[1], 'next_msg_seq', 1) - 1
redis.call('HSET', KEYS[1], 'last_msg_time', ARGV[4])
redis.call('HSET', KEYS[3], seq, ARGV[6])
if ARGV[3] == 'msg' then
  redis.call('ZADD', KEYS[4], ARGV[4], key)
  redis.call('HSET', KEYS[5], key, seq)
  local member = redis.call('HGET', KEYS[2], ARGV[1])
  if member then
    redis.call('HSET', KEYS[2], ARGV[1], with_field(member, 'last_send_time', tonumber(ARGV[4])))
  end
end
return {1, seq}
"""
)

# KEYS = info, history; ARGV = after ('' = none), before ('' = none), limit. The seq range
# is computed from next_msg_seq and read with HMGET (in slices: Lua's unpack is bounded):
# {first seq, records (nil where there is none)}, or {} for an empty range or no group.
_READ_MESSAGES = """
local next_seq = redis.call('HGET', KEYS[1], 'next_msg_seq')
if not next_seq then return {} end
local last = tonumber(next_seq) - 1
local limit = tonumber(ARGV[3])
local low, high
if ARGV[1] ~= '' then
  low = math.max(tonumber(ARGV[1]) + 1, 1)
  high = math.min(low + limit - 1, last)
  if ARGV[2] ~= '' then high = math.min(high, tonumber(ARGV[2]) - 1) end
else
  high = last
  if ARGV[2] ~= '' then high = math.min(high, tonumber(ARGV[2]) - 1) end
  low = high - limit + 1
end
low = math.max(low, 1)
if high < low then return {} end
local out = {}
for first = low, high, 1000 do
  local fields = {}
  for seq = first, math.min(first + 999, high) do table.insert(fields, seq) end
  for _, record in ipairs(redis.call('HMGET', KEYS[2], unpack(fields))) do table.insert(out, record) end
end
return {low, out}
"""

# KEYS = history; ARGV = seq, the record read, the record recalled. 1 if replaced, 0 if the
# record changed (or went) meanwhile.
_RECALL = """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
"""

# KEYS = members; ARGV = user, seq. {} not a member, else {read_seq after the change}.
_SET_READ_SEQ = (
    _WITH_FIELD
    + """
local blob = redis.call('HGET', KEYS[1], ARGV[1])
if not blob then return {} end
local current = cmsgpack.unpack(blob).read_seq or 0
local seq = tonumber(ARGV[2])
if seq <= current then return {current} end
redis.call('HSET', KEYS[1], ARGV[1], with_field(blob, 'read_seq', seq))
return {seq}
"""
)

# KEYS = info, restrictions; ARGV = user, kind, until (0 lifts). 0 if there is no such group.
_RESTRICT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local held = redis.call('HGET', KEYS[2], ARGV[1])
local kinds = held and cjson.decode(held) or {}
if tonumber(ARGV[3]) == 0 then kinds[ARGV[2]] = nil else kinds[ARGV[2]] = tonumber(ARGV[3]) end
if next(kinds) == nil then
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(kinds))
end
return 1
"""

# -- user slot --------------------------------------------------------------------------

# KEYS = groups. Set the msg_flag hint (ARGV[2]) of group ARGV[1], if the entry is there.
_SET_FLAG = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 0
"""

# KEYS = notices, notice_seq; ARGV = payload, how many to keep. The new seq.
_APPEND_NOTICE = """
local seq = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], seq, seq .. ':' .. ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[2]) - 1)
return seq
"""

# KEYS = pendency, pendency_read, pendency_ord; ARGV = application ID, keep. Put it on top,
# unread; past ``keep`` items drop the oldest.
_PEND = """
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[3]), ARGV[1])
redis.call('SREM', KEYS[2], ARGV[1])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
if over > 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, over - 1)) do
    redis.call('ZREM', KEYS[1], id)
    redis.call('SREM', KEYS[2], id)
  end
end
return 0
"""

# KEYS = pendency, pendency_read: every item on the list is read.
_MARK_READ = """
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do redis.call('SADD', KEYS[2], id) end
return 0
"""

# -- application slot -------------------------------------------------------------------

# KEYS = the application; ARGV = result, handled_by, handled_msg. First decision wins:
# 0 no such application, 1 decided before, else the new record.
_DECIDE = """
local result = redis.call('HGET', KEYS[1], 'result')
if not result then return 0 end
if result ~= '-1' then return 1 end
redis.call('HSET', KEYS[1], 'result', ARGV[1], 'handled_by', ARGV[2], 'handled_msg', ARGV[3])
return redis.call('HGETALL', KEYS[1])
"""

# KEYS = group pending; drop entry ARGV[1] if it still names application ARGV[2].
_UNPEND = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
"""

# KEYS = info, audience; ARGV = node, count, now, horizon (seconds). A node's audience
# count as of ``now``; entries older than the horizon (dead nodes) go. Nothing for a group
# that is gone.
_SET_AUDIENCE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if tonumber(ARGV[2]) > 0 then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. ' ' .. ARGV[3])
else
  redis.call('HDEL', KEYS[2], ARGV[1])
end
local all = redis.call('HGETALL', KEYS[2])
local oldest = tonumber(ARGV[3]) - tonumber(ARGV[4])
for i = 1, #all, 2 do
  local at = tonumber(string.match(all[i + 1], ' (.*)$'))
  if at < oldest then redis.call('HDEL', KEYS[2], all[i]) end
end
if #all > 0 then redis.call('EXPIRE', KEYS[2], ARGV[4]) end
return 1
"""

_POOL_SIZE = 64
_NOTICES_KEPT = 1000
_DAY_TTL = 3 * 86400
_CAS_ATTEMPTS = 100
_PIPELINE_CHUNK = 5000
_AUDIENCE_HORIZON = 3600
_GROUP_KEYS = (
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

_T = TypeVar("_T")

_json = msgspec.json.Encoder()
_device = msgspec.json.Decoder(DeviceRecord)
_custom = msgspec.json.Decoder(dict[str, str])
_msgpack = msgspec.msgpack.Encoder()


class _StoredMember(msgspec.Struct, kw_only=True):
    """A member record as kept in ``:members``: the user ID is the hash field and the
    role lives in ``:roles``."""

    join_time: int = 0
    msg_flag: str = "AcceptAndNotify"
    name_card: str = ""
    mute_until: int = 0
    last_send_time: int = 0
    custom: dict[str, str] = {}
    read_seq: int = 0
    join_seq: int = 0


class _StoredMessage(msgspec.Struct, array_like=True):
    """A history record as kept in ``:history``: the seq is the hash field."""

    time: int
    sender_id: str
    random: int
    kind: str
    body: bytes
    recalled: bool = False


_stored_member = msgspec.msgpack.Decoder(_StoredMember)
_stored_message = msgspec.msgpack.Decoder(_StoredMessage)
_restrictions = msgspec.json.Decoder(dict[str, int])
_GROUP_TEXT_FIELDS = [f for f in GroupRecord.__struct_fields__ if f not in ("custom", "member_count")]
_GROUP_FIELDS = (
    "name",
    "introduction",
    "notification",
    "face_url",
    "join_option",
    "mute_all",
    "owner_id",
    "max_members",
)
_SCAN_BATCH = 1000
_MEMBER_FIELDS = ("msg_flag", "name_card", "mute_until", "read_seq", "join_seq")


def _chunks(items: Sequence[_T]) -> list[Sequence[_T]]:
    """``items`` in slices of ``_PIPELINE_CHUNK``: one pipeline (round trip) each, so that
    no pipeline buffers an unbounded number of commands."""
    return [items[start : start + _PIPELINE_CHUNK] for start in range(0, len(items), _PIPELINE_CHUNK)]


def _text(value: str | int | bool) -> str | int:
    return int(value) if isinstance(value, bool) else value


def _pairs(flat: Sequence[bytes]) -> dict[str, str]:
    """A Lua HGETALL reply (flat field, value list) as a dict."""
    return {flat[i].decode(): flat[i + 1].decode() for i in range(0, len(flat), 2)}


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _decoded(row: Mapping[bytes, bytes] | Mapping[bytes | str, bytes | str]) -> dict[str, str]:
    return {_s(k): _s(v) for k, v in row.items()}


def _group(row: dict[str, str]) -> GroupRecord:
    custom = _custom.decode(row.pop("custom", "{}"))
    return msgspec.convert({**row, "custom": custom}, GroupRecord, strict=False)


def _application(row: dict[str, str]) -> Application:
    return msgspec.convert(row, Application, strict=False)


def _pack_member(m: MemberRecord) -> bytes:
    fields = msgspec.structs.asdict(m)
    del fields["user_id"], fields["role"]
    return _msgpack.encode(_StoredMember(**fields))


def _member(user_id: str, blob: bytes, role: bytes | None) -> MemberRecord:
    """A member from its ``:members`` record and its ``:roles`` entry (None: a Member)."""
    stored = msgspec.structs.asdict(_stored_member.decode(blob))
    return MemberRecord(user_id=user_id, role=_s(role or b"Member"), **stored)


def _member_args(members: Sequence[MemberRecord], join_seq: int = 0) -> list[str | int | bytes]:
    """The (user, record, join_time, role) quadruples of the member scripts; ``join_seq``
    goes in the record (``_ADD_MEMBERS`` sets it itself)."""
    args: list[str | int | bytes] = []
    for m in members:
        args += [m.user_id, _pack_member(msgspec.structs.replace(m, join_seq=join_seq)), m.join_time, m.role]
    return args


def _pack_message(m: MessageRecord, now: int) -> bytes:
    return _msgpack.encode(_StoredMessage(now, m.sender_id, m.random, m.kind, bytes(m.body), m.recalled))


def _message(seq: int, blob: bytes) -> MessageRecord:
    s = _stored_message.decode(blob)
    return MessageRecord(
        seq=seq, time=s.time, sender_id=s.sender_id, random=s.random, kind=s.kind, body=s.body, recalled=s.recalled
    )


def _unique_members(members: Sequence[MemberRecord]) -> list[MemberRecord]:
    """One record per user ID, the first one given."""
    seen: dict[str, MemberRecord] = {}
    for m in members:
        seen.setdefault(m.user_id, m)
    return list(seen.values())


def _merge_custom(current: dict[str, str], changes: dict[str, str]) -> dict[str, str]:
    """``changes`` applied to ``current``: an empty value deletes the key."""
    merged = dict(current)
    for key, value in changes.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _parties(kind: int, from_user: str, to_user: str) -> bytes:
    return _json.encode([kind, from_user, to_user])


def _not_found(group_id: str) -> GroupcastError:
    return GroupcastError(ErrorCode.GROUP_NOT_FOUND, f"group {group_id} does not exist")


class RedisStore:
    def __init__(self, url: str, prefix: str) -> None:
        self._url = url
        self._prefix = prefix
        # A blocking pool: past its size, callers wait for a free connection instead of
        # failing (redis-py's default pool raises MaxConnectionsError at 100).
        self.redis = aioredis.Redis.from_pool(aioredis.BlockingConnectionPool.from_url(url, max_connections=_POOL_SIZE))
        script = self.redis.register_script
        self._import = script(_IMPORT_ACCOUNT)
        self._claim = script(_CLAIM_DEVICE)
        self._release = script(_RELEASE_DEVICE)
        self._refresh = script(_REFRESH_DEVICE)
        self._count_day = script(_COUNT_DAY)
        self._uncount_day = script(_UNCOUNT_DAY)
        self._create = script(_CREATE_GROUP)
        self._add = script(_ADD_MEMBERS)
        self._remove = script(_REMOVE_MEMBERS)
        self._update_group = script(_UPDATE_GROUP)
        self._transfer = script(_TRANSFER_OWNER)
        self._update_member = script(_UPDATE_MEMBER)
        self._list = script(_LIST_MEMBERS)
        self._delete = script(_DELETE_GROUP)
        self._set_flag = script(_SET_FLAG)
        self._append_notice = script(_APPEND_NOTICE)
        self._pend = script(_PEND)
        self._mark_read = script(_MARK_READ)
        self._decide = script(_DECIDE)
        self._unpend = script(_UNPEND)
        self._append_message = script(_APPEND_MESSAGE)
        self._read_messages = script(_READ_MESSAGES)
        self._recall = script(_RECALL)
        self._set_read_seq = script(_SET_READ_SEQ)
        self._restrict = script(_RESTRICT)
        self._set_audience = script(_SET_AUDIENCE)
        self._unlist = script(_UNLIST_GROUP)
        self._set_ord = script(_SET_ORD)

    def user_key(self, user_id: str, what: str) -> str:
        return f"{self._prefix}{{u:{user_id}}}:{what}"

    def group_key(self, group_id: str, what: str) -> str:
        return f"{self._prefix}{{g:{group_id}}}:{what}"

    def group_keys(self, group_id: str) -> list[str]:
        """Every key of the group's slot; the group scripts take them in this order."""
        return [self.group_key(group_id, w) for w in _GROUP_KEYS]

    def application_key(self, application_id: str, what: str = "") -> str:
        return f"{self._prefix}{{a:{application_id}}}{':' + what if what else ''}"

    def app_key(self, what: str) -> str:
        return f"{self._prefix}{{app}}:{what}"

    def day_key(self, day: int) -> str:
        return self.app_key(f"created:{day}")

    def index_key(self, group_type: str | None) -> str:
        """The group index: every group, or the groups of one type."""
        return self.app_key("groups" if group_type is None else f"groups:{group_type}")

    async def start(self) -> None:
        await self.redis.ping()
        if not await self.redis.exists(self.app_key("groups_indexed")):
            await self._index_existing_groups()

    async def _index_existing_groups(self) -> None:
        """Give the groups of an earlier version (no ``ord``) ordinals, in creation order,
        and put every group in the index; then mark it done. Idempotent (a group keeps
        the first ordinal it gets), so nodes starting together, or a start interrupted
        halfway, do no harm. Reads the whole keyspace once (SCAN), at the first start."""
        pattern = "".join("\\" + c if c in "*?[]\\" else c for c in self._prefix) + "{g:*}:info"
        found: list[tuple[int, str, str, int]] = []  # (created_at, group ID, type, ord or 0)
        async for key in self.redis.scan_iter(match=pattern, count=_SCAN_BATCH):
            row = await self.redis.hmget(key, ["group_id", "created_at", "type", "ord"])
            if row[0] is not None:
                found.append((int(row[1] or 0), _s(row[0]), _s(row[2] or b""), int(row[3] or 0)))
        missing = sorted(g for g in found if not g[3])
        if missing:
            first = await self.redis.incrby(self.app_key("group_ord"), len(missing)) - len(missing) + 1
            for i, (created, gid, group_type, _) in enumerate(missing):
                given = await self._set_ord(keys=[self.group_key(gid, "info")], args=[first + i])
                found.append((created, gid, group_type, int(given or 0)))
        for chunk in _chunks([g for g in found if g[3]]):
            async with self.redis.pipeline(transaction=False) as pipe:
                for _, gid, group_type, ordinal in chunk:
                    pipe.zadd(self.index_key(None), {gid: ordinal})
                    pipe.zadd(self.index_key(group_type), {gid: ordinal})
                await pipe.execute()
        await self.redis.set(self.app_key("groups_indexed"), "1")

    async def close(self) -> None:
        await self.redis.aclose()

    async def _each(self, keys: Sequence[str], command: str, *args: Any) -> list[Any]:
        """Run ``command key *args`` for each key, pipelined (one round trip per
        ``_PIPELINE_CHUNK`` keys); the replies in order."""
        replies: list[Any] = []
        for chunk in _chunks(keys):
            async with self.redis.pipeline(transaction=False) as pipe:
                for key in chunk:
                    pipe.execute_command(command, key, *args)
                replies += await pipe.execute()
        return replies

    # -- accounts ---------------------------------------------------------------------

    async def import_accounts(self, accounts: Sequence[Account], now: int) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for a in accounts:
                args: list[str | int] = [
                    now,
                    int(a.nick is not None),
                    a.nick or "",
                    int(a.face_url is not None),
                    a.face_url or "",
                ]
                await self._import(keys=[self.user_key(a.user_id, "account")], args=args, client=pipe)
            await pipe.execute()

    async def _per_account(self, user_ids: Sequence[str], command: str) -> dict[str, Any]:
        """Run ``command`` on each distinct user's account key, pipelined."""
        ids = list(dict.fromkeys(user_ids))
        return dict(zip(ids, await self._each([self.user_key(u, "account") for u in ids], command), strict=True))

    async def existing_accounts(self, user_ids: Sequence[str]) -> set[str]:
        return {uid for uid, n in (await self._per_account(user_ids, "EXISTS")).items() if n}

    async def get_accounts(self, user_ids: Sequence[str]) -> dict[str, Account]:
        return {
            uid: Account(
                user_id=uid,
                nick=row[b"nick"].decode(),
                face_url=row[b"face_url"].decode(),
                created_at=int(row[b"created_at"]),
            )
            for uid, row in (await self._per_account(user_ids, "HGETALL")).items()
            if row
        }

    async def delete_accounts(self, user_ids: Sequence[str]) -> set[str]:
        return {uid for uid, n in (await self._per_account(user_ids, "DEL")).items() if n}

    # -- presence ---------------------------------------------------------------------

    async def claim_device(self, user_id: str, device: DeviceRecord, limit: int, now: float) -> list[DeviceRecord]:
        ttl = max(1, int(device.expires_at - now) + 1)
        ok, others = await self._claim(
            keys=[self.user_key(user_id, "devices")],
            args=[device.device_id, _json.encode(device), limit, now, ttl],
        )
        records = [_device.decode(raw) for raw in others]
        if not ok:
            raise GroupcastError(
                ErrorCode.DEVICE_LIMIT, f"{user_id} already has {len(records)} devices online (limit {limit})"
            )
        return records

    async def release_device(self, user_id: str, device_id: str, session_id: str) -> None:
        await self._release(keys=[self.user_key(user_id, "devices")], args=[device_id, session_id])

    async def refresh_devices(self, devices: Sequence[tuple[str, DeviceRecord]]) -> None:
        if not devices:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for user_id, device in devices:
                ttl = max(1, int(device.expires_at - time.time()) + 1)
                await self._refresh(
                    keys=[self.user_key(user_id, "devices")],
                    args=[device.device_id, device.session_id, _json.encode(device), ttl],
                    client=pipe,
                )
            await pipe.execute()

    async def online_devices(self, user_id: str, now: float) -> list[DeviceRecord]:
        rows = await self.redis.hvals(self.user_key(user_id, "devices"))
        return [d for d in (_device.decode(r) for r in rows) if d.expires_at > now]

    # -- groups -----------------------------------------------------------------------

    async def _groups_counts(self, user_ids: Sequence[str]) -> list[int]:
        """How many groups each user is in, from their ``:groups`` index (best effort)."""
        return [int(n) for n in await self._each([self.user_key(u, "groups") for u in user_ids], "HLEN")]

    async def _index_groups(self, group_id: str, members: Sequence[MemberRecord], *, keep: bool = False) -> None:
        """User-slot step: put ``group_id`` in each member's ``:groups`` (``keep``: only
        where it is missing)."""
        for chunk in _chunks(members):
            async with self.redis.pipeline(transaction=False) as pipe:
                for m in chunk:
                    key = self.user_key(m.user_id, "groups")
                    if keep:
                        pipe.hsetnx(key, group_id, m.msg_flag)
                    else:
                        pipe.hset(key, group_id, m.msg_flag)
                await pipe.execute()

    async def _unindex_groups(self, group_id: str, user_ids: Sequence[str]) -> None:
        await self._each([self.user_key(u, "groups") for u in user_ids], "HDEL", group_id)

    async def create_group(
        self, group: GroupRecord, members: Sequence[MemberRecord], *, day: int, daily_cap: int, groups_per_user: int
    ) -> list[str]:
        gid = group.group_id
        candidates = _unique_members(members)
        keys = self.group_keys(gid)
        day_key = self.day_key(day)
        # 1. Reads, in the order the refusals are checked; the atomic steps below decide.
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.exists(keys[0])
            pipe.get(day_key)
            for m in candidates:
                pipe.hlen(self.user_key(m.user_id, "groups"))
            taken, counted, *counts = await pipe.execute()
        if taken:
            raise GroupcastError(ErrorCode.GROUP_ID_TAKEN, f"group ID {gid} is taken")
        if int(counted or 0) >= daily_cap:
            raise GroupcastError(ErrorCode.RATE_LIMITED, f"the app reached its daily cap of {daily_cap} groups")
        added: list[MemberRecord] = []
        left_out: list[str] = []
        for m, n in zip(candidates, counts, strict=True):
            if int(n) < groups_per_user:
                added.append(m)
            elif m.user_id == group.owner_id:
                raise GroupcastError(
                    ErrorCode.TOO_MANY_GROUPS, f"{m.user_id} already belongs to {groups_per_user} groups"
                )
            else:
                left_out.append(m.user_id)
        # 2. The day counter: checked and counted atomically.
        if not await self._count_day(keys=[day_key], args=[daily_cap, _DAY_TTL]):
            raise GroupcastError(ErrorCode.RATE_LIMITED, f"the app reached its daily cap of {daily_cap} groups")
        ordinal = await self.redis.incr(self.app_key("group_ord"))
        # 3. The group slot; a taken ID gives the count back.
        profile: list[str | int | bytes] = []
        for field in _GROUP_TEXT_FIELDS:
            profile += [field, _text(getattr(group, field))]
        profile += ["custom", _json.encode(group.custom), "ord", ordinal]
        created = await self._create(
            keys=keys[:4], args=[len(profile) // 2, *profile, *_member_args(added, group.next_msg_seq)]
        )
        if not created:
            await self._uncount_day(keys=[day_key])
            raise GroupcastError(ErrorCode.GROUP_ID_TAKEN, f"group ID {gid} is taken")
        # 4. The group index.
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self.index_key(None), {gid: ordinal})
            pipe.zadd(self.index_key(group.type), {gid: ordinal})
            await pipe.execute()
        # 5. The members' indexes.
        await self._index_groups(gid, added)
        group.member_count = len(added)
        return left_out

    async def get_group(self, group_id: str) -> GroupRecord | None:
        return (await self.get_groups([group_id])).get(group_id)

    async def get_group_and_member(self, group_id: str, user_id: str) -> tuple[GroupRecord | None, MemberRecord | None]:
        async with self.redis.pipeline(transaction=True) as pipe:  # one slot: {g:<group>}
            pipe.hgetall(self.group_key(group_id, "info"))
            pipe.hget(self.group_key(group_id, "members"), user_id)
            pipe.hget(self.group_key(group_id, "roles"), user_id)
            info, blob, role = await pipe.execute()
        group = _group(_decoded(info)) if info else None
        return group, (_member(user_id, blob, role) if group is not None and blob is not None else None)

    async def get_groups(self, group_ids: Sequence[str]) -> dict[str, GroupRecord]:
        ids = list(dict.fromkeys(group_ids))
        rows = await self._each([self.group_key(g, "info") for g in ids], "HGETALL")
        return {gid: _group(_decoded(row)) for gid, row in zip(ids, rows, strict=True) if row}

    async def update_group(self, group_id: str, changes: GroupChanges, now: int) -> GroupRecord:
        args: list[str | int | bytes] = [now, "" if changes.custom is None else _json.encode(changes.custom)]
        for field in _GROUP_FIELDS:
            value = getattr(changes, field)
            if value is not None:
                args += [field, _text(value)]
        row = await self._update_group(keys=[self.group_key(group_id, "info")], args=args)
        if row is None:
            raise _not_found(group_id)
        return _group(_pairs(row))

    async def delete_group(self, group_id: str, *, day: int) -> tuple[GroupRecord, list[str]]:
        # 1. The group slot: read and delete.
        found = await self._delete(keys=self.group_keys(group_id))
        if found is None:
            raise _not_found(group_id)
        profile, member_ids, application_ids = found
        fields = _pairs(profile)
        ordinal = int(fields.pop("ord", "0"))
        group = _group(fields)
        members = [m.decode() for m in member_ids]
        # 2. The members' indexes.
        await self._unindex_groups(group_id, members)
        # 3. The group's applications and their places on users' lists.
        apps = [a.decode() for a in application_ids]
        recipients = await self._each([self.application_key(a, "to") for a in apps], "SMEMBERS")
        if apps:
            async with self.redis.pipeline(transaction=False) as pipe:
                for app, users in zip(apps, recipients, strict=True):
                    pipe.delete(self.application_key(app), self.application_key(app, "to"))
                    for user in users:
                        pipe.zrem(self.user_key(user.decode(), "pendency"), app)
                        pipe.srem(self.user_key(user.decode(), "pendency_read"), app)
                await pipe.execute()
        # 4. The day's net count.
        if group.created_at // 86400 == day:
            await self._uncount_day(keys=[self.day_key(day)])
        # 5. The group index.
        await self._unlist(keys=[self.index_key(None), self.index_key(group.type)], args=[group_id, ordinal])
        return group, members

    async def list_groups(
        self, *, group_type: str | None, after: int, limit: int, search: str = ""
    ) -> tuple[list[tuple[int, GroupRecord]], int]:
        key = self.index_key(group_type)
        if search:
            return await self._search_groups(key, after, limit, search)
        total = int(await self.redis.zcard(key))
        page: list[tuple[int, GroupRecord]] = []
        gone: list[tuple[str, int]] = []
        cursor = max(after, 0)
        while len(page) < limit:
            want = limit - len(page)
            entries = await self._index_range(key, f"({cursor}", want)
            records = await self.get_groups([gid for gid, _ in entries])
            for gid, ordinal in entries:
                if gid in records:
                    page.append((ordinal, records[gid]))
                else:
                    gone.append((gid, ordinal))
            if len(entries) < want:
                break
            cursor = entries[-1][1]
        for gid, ordinal in gone:  # deleted, but a crash kept it from being unlisted
            await self._unlist(keys=[self.index_key(None), key], args=[gid, ordinal])
        return page, total - len(gone)

    async def _index_range(self, key: str, low: str, count: int) -> list[tuple[str, int]]:
        """Up to ``count`` (group ID, ordinal) entries of an index from the score ``low``."""
        entries = await self.redis.zrange(key, low, "+inf", byscore=True, offset=0, num=count, withscores=True)
        return [(member.decode(), int(score)) for member, score in cast(list[tuple[bytes, float]], entries)]

    async def _search_groups(
        self, key: str, after: int, limit: int, search: str
    ) -> tuple[list[tuple[int, GroupRecord]], int]:
        """Every indexed group's name, read in batches, tested in Python."""
        needle = search.casefold()
        chosen: list[tuple[int, str]] = []
        total = 0
        cursor = "-inf"
        while True:
            entries = await self._index_range(key, cursor, _SCAN_BATCH)
            names = await self._each([self.group_key(gid, "info") for gid, _ in entries], "HGET", "name")
            for (gid, ordinal), name in zip(entries, names, strict=True):
                if name is not None and (gid == search or needle in _s(name).casefold()):
                    total += 1
                    if ordinal > after and len(chosen) < limit:
                        chosen.append((ordinal, gid))
            if len(entries) < _SCAN_BATCH:
                break
            cursor = f"({entries[-1][1]}"
        records = await self.get_groups([gid for _, gid in chosen])
        return [(ordinal, records[gid]) for ordinal, gid in chosen if gid in records], total

    async def transfer_owner(self, group_id: str, new_owner_id: str) -> GroupRecord:
        status, *rest = await self._transfer(keys=self.group_keys(group_id)[:4], args=[new_owner_id])
        if status == 0:
            raise _not_found(group_id)
        if status == 1:
            raise GroupcastError(ErrorCode.NO_PERMISSION, f"{new_owner_id} is not a member of {group_id}")
        return _group(_pairs(rest[0]))

    # -- members ----------------------------------------------------------------------

    async def get_member(self, group_id: str, user_id: str) -> MemberRecord | None:
        return (await self.get_members(group_id, [user_id])).get(user_id)

    async def get_members(self, group_id: str, user_ids: Sequence[str]) -> dict[str, MemberRecord]:
        ids = list(dict.fromkeys(user_ids))
        if not ids:
            return {}
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hmget(self.group_key(group_id, "members"), ids)
            pipe.hmget(self.group_key(group_id, "roles"), ids)
            blobs, roles = await pipe.execute()
        return {
            uid: _member(uid, blob, role) for uid, blob, role in zip(ids, blobs, roles, strict=True) if blob is not None
        }

    async def list_members(self, group_id: str, offset: int, limit: int) -> list[MemberRecord]:
        if limit <= 0:
            return []
        start = max(offset, 0)
        flat = await self._list(keys=self.group_keys(group_id)[:4], args=[start, start + limit - 1])
        return [_member(flat[i].decode(), flat[i + 1], flat[i + 2]) for i in range(0, len(flat), 3) if flat[i + 1]]

    async def member_ids(self, group_id: str, roles: Sequence[str] = ()) -> list[str]:
        wanted = set(roles)
        order_key, roles_key = self.group_key(group_id, "order"), self.group_key(group_id, "roles")
        if wanted and "Member" not in wanted:
            # Owners and admins: read the small ``:roles``, then their join times.
            held = [_s(u) for u, r in (await self.redis.hgetall(roles_key)).items() if _s(r) in wanted]
            if not held:
                return []
            scores = await self.redis.zmscore(order_key, held)
            return [u for s, u in sorted((s, u) for u, s in zip(held, scores, strict=True) if s is not None)]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrange(order_key, 0, -1)
            pipe.hgetall(roles_key)
            ids, role_of = await pipe.execute()
        if not wanted:
            return [u.decode() for u in ids]
        return [u.decode() for u in ids if role_of.get(u, b"Member").decode() in wanted]

    async def add_members(self, group_id: str, members: Sequence[MemberRecord], *, groups_per_user: int) -> AddOutcome:
        candidates = _unique_members(members)
        ids = [m.user_id for m in candidates]
        # 1. Who is a member already, how many groups each user is in (best effort).
        blobs: list[Any] = []
        if ids:
            blobs = await self.redis.hmget(self.group_key(group_id, "members"), ids)
        counts = await self._groups_counts(ids)
        existing = {uid for uid, blob in zip(ids, blobs, strict=True) if blob is not None}
        over = {uid for uid, n in zip(ids, counts, strict=True) if uid not in existing and n >= groups_per_user}
        fresh = [m for m in candidates if m.user_id not in existing and m.user_id not in over]
        # 2. The group slot decides: existence, capacity, who is new.
        status, *rest = await self._add(keys=self.group_keys(group_id)[:4], args=_member_args(fresh))
        if status == -1:
            raise _not_found(group_id)
        if status == -2:
            count, max_members, new = rest
            raise GroupcastError(
                ErrorCode.GROUP_FULL,
                f"group {group_id} has {count} of {max_members} members; {new} more do not fit",
            )
        added = {u.decode() for u in rest[0]}
        existing |= {u.decode() for u in rest[1]}
        # 3. The users' indexes (members found already there get a missing entry back).
        await self._index_groups(group_id, [m for m in fresh if m.user_id in added])
        await self._index_groups(group_id, [m for m in candidates if m.user_id in existing], keep=True)
        return AddOutcome(
            added=[u for u in ids if u in added],
            existing=[u for u in ids if u in existing],
            over_limit=[u for u in ids if u in over],
        )

    async def remove_members(self, group_id: str, user_ids: Sequence[str]) -> list[str]:
        ids = list(dict.fromkeys(user_ids))
        if not ids:
            return []
        removed = [u.decode() for u in await self._remove(keys=self.group_keys(group_id)[:4], args=ids)]
        await self._unindex_groups(group_id, removed)
        return removed

    async def update_member(self, group_id: str, user_id: str, changes: MemberChanges) -> MemberRecord | None:
        keys = self.group_keys(group_id)[:4]
        for _ in range(_CAS_ATTEMPTS):
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hget(keys[1], user_id)
                pipe.hget(keys[3], user_id)
                blob, role = await pipe.execute()
            if blob is None:
                return None
            current = _member(user_id, blob, role)
            updated = msgspec.structs.replace(current)
            for field in _MEMBER_FIELDS:
                value = getattr(changes, field)
                if value is not None:
                    setattr(updated, field, value)
            if changes.custom is not None:
                updated.custom = _merge_custom(current.custom, changes.custom)
            reply = await self._update_member(
                keys=keys, args=[user_id, blob, _pack_member(updated), changes.role or ""]
            )
            if reply == -1:
                return None
            if reply == 0:
                continue  # changed meanwhile: read again
            updated.role = reply[1].decode()
            if changes.msg_flag is not None:
                await self._set_flag(keys=[self.user_key(user_id, "groups")], args=[group_id, changes.msg_flag])
            return updated
        raise RuntimeError(f"member {user_id} of {group_id} kept changing; gave up after {_CAS_ATTEMPTS} attempts")

    async def user_groups(self, user_id: str) -> dict[str, str]:
        # The index names the candidates; each group's member record is the truth.
        gids = [_s(g) for g in await self.redis.hkeys(self.user_key(user_id, "groups"))]
        blobs = await self._each([self.group_key(g, "members") for g in gids], "HGET", user_id)
        found = {gid: _stored_member.decode(blob).msg_flag for gid, blob in zip(gids, blobs, strict=True) if blob}
        if len(found) < len(gids):
            await self._drop_stale(user_id, [g for g in gids if g not in found])
        return found

    async def _drop_stale(self, user_id: str, gids: Sequence[str]) -> None:
        """Drop the ``:groups`` entries of groups the user is not in. The membership is
        checked again after WATCH: a join whose index step lands meanwhile aborts this."""
        key = self.user_key(user_id, "groups")
        async with self.redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(key)
                # Checked on the watching connection itself (immediate mode after WATCH):
                # taking a second one from the pool while holding this one could deadlock.
                stale = [g for g in gids if not await pipe.hexists(self.group_key(g, "members"), user_id)]
                if stale:
                    pipe.multi()  # type: ignore[no-untyped-call]  # unannotated in redis-py
                    pipe.hdel(key, *stale)
                    await pipe.execute()
            except WatchError:
                pass  # the index changed meanwhile; the next read looks again

    # -- history ----------------------------------------------------------------------

    def _history_keys(self, group_id: str) -> list[str]:
        return [self.group_key(group_id, w) for w in ("info", "members", "history", "recent", "recent_seq")]

    async def append_message(
        self, group_id: str, message: MessageRecord, *, now: int, dedupe_since: int
    ) -> tuple[MessageRecord, bool]:
        m = message
        status, *rest = await self._append_message(
            keys=self._history_keys(group_id),
            args=[m.sender_id, m.random, m.kind, now, dedupe_since, _pack_message(m, now)],
        )
        if status == -1:
            raise _not_found(group_id)
        if status == 0:
            return _message(int(rest[0]), rest[1]), True
        return msgspec.structs.replace(m, seq=int(rest[0]), time=now, body=bytes(m.body)), False

    async def read_messages(
        self, group_id: str, *, after: int | None = None, before: int | None = None, limit: int
    ) -> list[MessageRecord]:
        """One script: the seq range from ``next_msg_seq`` and the bounds (with ``after``,
        and ``before`` too: the first ones in (after, before)), then HMGET of exactly those
        seqs (seqs are dense: see the module docstring)."""
        if limit <= 0:
            return []
        reply = await self._read_messages(
            keys=[self.group_key(group_id, "info"), self.group_key(group_id, "history")],
            args=["" if after is None else after, "" if before is None else before, limit],
        )
        if not reply:
            return []
        first, blobs = reply
        return [_message(int(first) + i, blob) for i, blob in enumerate(blobs) if blob is not None]

    async def recall_message(self, group_id: str, seq: int, kept_body: bytes) -> MessageRecord | None:
        key = self.group_key(group_id, "history")
        for _ in range(_CAS_ATTEMPTS):
            blob: Any = await self.redis.hget(key, str(seq))
            if blob is None:
                return None
            record = _message(seq, blob)
            if record.kind != "msg":
                return None
            if record.recalled:
                return record
            record.recalled, record.body = True, kept_body
            recalled = _pack_message(record, record.time)
            if await self._recall(keys=[key], args=[seq, blob, recalled]):
                return record
        raise RuntimeError(f"message {seq} of {group_id} kept changing; gave up after {_CAS_ATTEMPTS} attempts")

    async def set_read_seq(self, group_id: str, user_id: str, seq: int) -> int | None:
        reply = await self._set_read_seq(keys=[self.group_key(group_id, "members")], args=[user_id, seq])
        return int(reply[0]) if reply else None

    # -- AVChatRoom restrictions --------------------------------------------------------

    async def restrict(self, group_id: str, user_id: str, kind: str, until: int) -> None:
        """``GROUP_NOT_FOUND`` if there is no such group (nothing outlives its group)."""
        keys = [self.group_key(group_id, "info"), self.group_key(group_id, "restrictions")]
        if not await self._restrict(keys=keys, args=[user_id, kind, until]):
            raise _not_found(group_id)

    async def restrictions(self, group_id: str, user_id: str) -> dict[str, int]:
        held = await self.redis.hget(self.group_key(group_id, "restrictions"), user_id)
        return _restrictions.decode(held) if held else {}

    async def restricted(self, group_id: str, kind: str) -> dict[str, int]:
        held = await self.redis.hgetall(self.group_key(group_id, "restrictions"))
        found = {_s(user): _restrictions.decode(raw).get(kind, 0) for user, raw in held.items()}
        return {user: until for user, until in found.items() if until}

    # -- AVChatRoom audience counts ---------------------------------------------------

    async def set_room_audience(self, group_id: str, node_id: str, count: int, now: float) -> None:
        keys = [self.group_key(group_id, "info"), self.group_key(group_id, "audience")]
        await self._set_audience(keys=keys, args=[node_id, count, repr(now), _AUDIENCE_HORIZON])

    async def room_audience(self, group_id: str, since: float) -> int:
        total = 0
        for entry in (await self.redis.hgetall(self.group_key(group_id, "audience"))).values():
            count, _, at = _s(entry).partition(" ")
            if float(at) >= since:
                total += int(count)
        return total

    # -- console sign-outs ------------------------------------------------------------

    async def end_console_session(self, session_id: str, until: int, now: int) -> None:
        if until > now:  # Redis forgets it at ``until`` (EXAT) by itself
            await self.redis.set(self.app_key(f"signout:{session_id}"), until, exat=until)

    async def console_session_ended(self, session_id: str, now: int) -> bool:
        until = await self.redis.get(self.app_key(f"signout:{session_id}"))
        return until is not None and int(until) > now

    # -- system notices ---------------------------------------------------------------

    async def append_notices(self, user_ids: Sequence[str], payload: bytes) -> dict[str, int]:
        ids = list(dict.fromkeys(user_ids))
        if not ids:
            return {}
        blob = bytes(payload)
        seqs: list[Any] = []
        for chunk in _chunks(ids):
            async with self.redis.pipeline(transaction=False) as pipe:
                for uid in chunk:
                    keys = [self.user_key(uid, "notices"), self.user_key(uid, "notice_seq")]
                    await self._append_notice(keys=keys, args=[blob, _NOTICES_KEPT], client=pipe)
                seqs += await pipe.execute()
        return {uid: int(seq) for uid, seq in zip(ids, seqs, strict=True)}

    async def notices_after(self, user_id: str, after_seq: int, limit: int) -> list[tuple[int, bytes]]:
        if limit <= 0:
            return []
        rows: list[Any] = await self.redis.zrangebyscore(
            self.user_key(user_id, "notices"), f"({after_seq}", "+inf", start=0, num=limit
        )
        out: list[tuple[int, bytes]] = []
        for row in rows:
            seq, _, payload = row.partition(b":")
            out.append((int(seq), payload))
        return out

    async def last_notice_seq(self, user_id: str) -> int:
        return int(await self.redis.get(self.user_key(user_id, "notice_seq")) or 0)

    # -- pendency ---------------------------------------------------------------------

    async def add_application(self, application: Application, recipients: Sequence[str], *, keep: int) -> None:
        a = application
        aid = a.application_id
        ids = list(dict.fromkeys(recipients))
        fields: list[str | int] = []
        for field in Application.__struct_fields__:
            fields += [field, _text(getattr(a, field))]
        # 1. The application; 2. the group's index of it; 3. each recipient's list.
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.application_key(aid), items=fields)
            if ids:
                pipe.sadd(self.application_key(aid, "to"), *ids)
            await pipe.execute()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(self.group_key(a.group_id, "apps"), aid)
            if a.result == -1:
                pipe.hset(self.group_key(a.group_id, "pending"), _parties(a.kind, a.from_user, a.to_user), aid)
            await pipe.execute()
        for chunk in _chunks(ids):
            async with self.redis.pipeline(transaction=False) as pipe:
                for uid in chunk:
                    keys = [self.user_key(uid, w) for w in ("pendency", "pendency_read", "pendency_ord")]
                    await self._pend(keys=keys, args=[aid, keep], client=pipe)
                await pipe.execute()

    async def get_application(self, application_id: str) -> Application | None:
        row = await self.redis.hgetall(self.application_key(application_id))
        return _application(_decoded(row)) if row else None

    async def find_pending(self, group_id: str, kind: int, from_user: str, to_user: str) -> Application | None:
        aid = await self.redis.hget(self.group_key(group_id, "pending"), _parties(kind, from_user, to_user))
        if aid is None:
            return None
        found = await self.get_application(_s(aid))
        if found is None or found.result != -1 or found.group_id != group_id:
            return None  # a stale entry: the application is decided or gone
        return found

    async def pendency(self, user_id: str) -> list[tuple[Application, bool]]:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrevrange(self.user_key(user_id, "pendency"), 0, -1)
            pipe.smembers(self.user_key(user_id, "pendency_read"))
            ids, read = await pipe.execute()
        rows = await self._each([self.application_key(a.decode()) for a in ids], "HGETALL")
        return [(_application(_decoded(row)), aid in read) for aid, row in zip(ids, rows, strict=True) if row]

    async def mark_pendency_read(self, user_id: str) -> None:
        await self._mark_read(keys=[self.user_key(user_id, "pendency"), self.user_key(user_id, "pendency_read")])

    async def decide_application(self, application_id: str, handler_id: str, accept: bool, message: str) -> Application:
        reply = await self._decide(keys=[self.application_key(application_id)], args=[int(accept), handler_id, message])
        if reply == 0:
            raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"no application {application_id}")
        if reply == 1:
            raise GroupcastError(ErrorCode.ALREADY_HANDLED, f"application {application_id} was already handled")
        a = _application(_pairs(reply))
        await self._unpend(
            keys=[self.group_key(a.group_id, "pending")],
            args=[_parties(a.kind, a.from_user, a.to_user), application_id],
        )
        return a
