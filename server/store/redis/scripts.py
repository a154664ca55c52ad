"""The Lua scripts of the Redis store, and :class:`Scripts`, which registers them.

Each script runs atomically in one slot: it names all its keys in KEYS, and they share
one hash tag (see :mod:`.keys` for the layout and what each operation does in which
order). Replies are flat Redis values; :mod:`.codecs` turns them into records.

Member records are changed inside scripts (``join_seq`` on joining, ``last_send_time`` on
sending, ``read_seq``) by decoding and re-encoding them with Redis's cmsgpack: field order
and integer widths may change, and an empty ``custom`` map is left out (cmsgpack would
write ``{}`` as an array; the decoder's default is ``{}``). Message records hold bytes
(cmsgpack cannot read MessagePack bin), so scripts treat them as opaque.
"""

from __future__ import annotations

import redis.asyncio as aioredis

__all__ = ["Scripts"]

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


class Scripts:
    """Every script, registered on one client: called as
    ``await scripts.name(keys=[...], args=[...])`` (EVALSHA, loading it on first use)."""

    def __init__(self, redis: aioredis.Redis) -> None:
        script = redis.register_script
        self.import_account = script(_IMPORT_ACCOUNT)
        self.claim_device = script(_CLAIM_DEVICE)
        self.release_device = script(_RELEASE_DEVICE)
        self.refresh_device = script(_REFRESH_DEVICE)
        self.count_day = script(_COUNT_DAY)
        self.uncount_day = script(_UNCOUNT_DAY)
        self.unlist_group = script(_UNLIST_GROUP)
        self.set_ord = script(_SET_ORD)
        self.create_group = script(_CREATE_GROUP)
        self.add_members = script(_ADD_MEMBERS)
        self.remove_members = script(_REMOVE_MEMBERS)
        self.update_group = script(_UPDATE_GROUP)
        self.transfer_owner = script(_TRANSFER_OWNER)
        self.update_member = script(_UPDATE_MEMBER)
        self.list_members = script(_LIST_MEMBERS)
        self.delete_group = script(_DELETE_GROUP)
        self.append_message = script(_APPEND_MESSAGE)
        self.read_messages = script(_READ_MESSAGES)
        self.recall = script(_RECALL)
        self.set_read_seq = script(_SET_READ_SEQ)
        self.restrict = script(_RESTRICT)
        self.set_flag = script(_SET_FLAG)
        self.append_notice = script(_APPEND_NOTICE)
        self.pend = script(_PEND)
        self.mark_read = script(_MARK_READ)
        self.decide = script(_DECIDE)
        self.unpend = script(_UNPEND)
        self.set_audience = script(_SET_AUDIENCE)
