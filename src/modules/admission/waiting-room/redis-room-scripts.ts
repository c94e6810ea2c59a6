/**
 * The waiting room's Lua scripts. Redis runs each alone, so each is one decision with no read-modify-write
 * across round trips. Every script gets the room's nine keys (roomKeys) in this order:
 *   pre      zset  user → join time      joins while the room is closed (opensAt ahead), shuffled in at opening
 *   queue    zset  user → position       waiting, in admission order (positions only grow)
 *   active   zset  user → next check     admitted; the score is when the tick looks at the slot again
 *   until    hash  user → ms             when an admission's own time (activeTtlSeconds) runs out
 *   inflight zset  "user:mark" → ms      a hold passed the gate and its statement has not ended yet; the
 *                                        score only bounds a mark whose instance died mid-hold
 *   joined   hash  user → ms             join time, for the time-in-queue metric
 *   meta     hash  seq, lastTick, credit, lease, admitted (total)
 *   history  list  "at:waiting:active:admitted" after each tick, newest first, the last 10 minutes
 *   settled  set   user                  a hold of the fan ended since the tick last looked at the slot
 */
const PRELUDE = `
local PRE, QUEUE, ACTIVE, UNTIL, INFLIGHT, JOINED, META, HISTORY, SETTLED =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]

-- ZADD in slices: unpack() must fit Lua's C stack.
local function zadd_all(key, pairs_flat)
  for i = 1, #pairs_flat, 2000 do
    redis.call('ZADD', key, unpack(pairs_flat, i, math.min(i + 1999, #pairs_flat)))
  end
end

-- The room is closed while opensAt is ahead (set, or moved there by the admin): joins wait in the
-- pre-queue and nobody is admitted; admitted fans keep their slots.
local function closed(now, opens_at)
  return opens_at ~= '' and now < tonumber(opens_at)
end

-- Whenever the room is open (opensAt reached, cleared or moved to the past) the pre-queue takes the next
-- places in a random order: every early fan draws a random score now (from a seed the caller drew), and
-- positions follow the scores. Later joins queue behind them; fans already queued stay ahead.
local function open_if_due(now, opens_at, seed)
  if closed(now, opens_at) then return end
  local early = redis.call('ZRANGE', PRE, 0, -1)
  if #early == 0 then return end
  math.randomseed(tonumber(seed))
  local drawn = {}
  for i = 1, #early do
    drawn[2 * i - 1] = math.random()
    drawn[2 * i] = early[i]
  end
  zadd_all(PRE, drawn)
  local shuffled = redis.call('ZRANGE', PRE, 0, -1)
  local seq = tonumber(redis.call('HGET', META, 'seq') or '0')
  local placed = {}
  for i = 1, #shuffled do
    placed[2 * i - 1] = seq + i
    placed[2 * i] = shuffled[i]
  end
  zadd_all(QUEUE, placed)
  redis.call('HSET', META, 'seq', seq + #shuffled)
  redis.call('DEL', PRE)
end

-- {status, rank ('' = null), activeUntil ('' = null)}
local function place(user)
  if redis.call('ZSCORE', ACTIVE, user) then return {'ACTIVE', 0, redis.call('HGET', UNTIL, user) or ''} end
  local rank = redis.call('ZRANK', QUEUE, user)
  if rank then return {'WAITING', rank + 1, ''} end
  if redis.call('ZSCORE', PRE, user) then return {'WAITING', '', ''} end
  return {'NONE', -1, ''}
end

local function counts()
  return {redis.call('ZCARD', QUEUE) + redis.call('ZCARD', PRE), redis.call('ZCARD', ACTIVE)}
end
`;

/**
 * ARGV: user, now, opensAt ('' = none), seed. Joins at the back unless already queued or admitted (a
 * repeated join answers the current place). While the room is closed the join goes to the pre-queue.
 * Returns {status, rank, activeUntil, waitingCount, activeCount, joined (1/0)}.
 */
export const JOIN = `${PRELUDE}
local user, now, opens_at = ARGV[1], tonumber(ARGV[2]), ARGV[3]
open_if_due(now, opens_at, ARGV[4])
local p = place(user)
local joined = 0
if p[1] == 'NONE' then
  if closed(now, opens_at) then
    redis.call('ZADD', PRE, now, user)
  else
    redis.call('ZADD', QUEUE, redis.call('HINCRBY', META, 'seq', 1), user)
  end
  redis.call('HSET', JOINED, user, now)
  p = place(user)
  joined = 1
end
local c = counts()
return {p[1], p[2], p[3], c[1], c[2], joined}
`;

/** ARGV: users… Returns {waitingCount, activeCount, then status, rank, activeUntil per user}. */
export const PLACES = `${PRELUDE}
local out = counts()
for i = 1, #ARGV do
  local p = place(ARGV[i])
  table.insert(out, p[1])
  table.insert(out, p[2])
  table.insert(out, p[3])
end
return out
`;

/** ARGV: user. Leaves the queue, the pre-queue or an admission (the slot frees at once). Returns the old status. */
export const LEAVE = `${PRELUDE}
local user = ARGV[1]
local was = place(user)[1]
redis.call('ZREM', QUEUE, user)
redis.call('ZREM', PRE, user)
redis.call('ZREM', ACTIVE, user)
redis.call('HDEL', UNTIL, user)
redis.call('SREM', SETTLED, user)
redis.call('HDEL', JOINED, user)
return was
`;

/**
 * ARGV: now, lease (ms), period (ms), limit. Claims this period's tick (a wall-clock second) for the
 * caller, one instance per period whichever asks first, or returns {0}. Otherwise {1, users…}: admitted fans whose slot is
 * due for a look (its own time ran out, or it is kept for a reservation and due a re-check); their
 * settled marks are cleared.
 */
export const BEGIN_TICK = `${PRELUDE}
local now = tonumber(ARGV[1])
if tonumber(redis.call('HGET', META, 'lease') or '0') > now then return {0} end
local last = tonumber(redis.call('HGET', META, 'lastTick') or '')
local period = tonumber(ARGV[3])
if last and math.floor(now / period) <= math.floor(last / period) then return {0} end
redis.call('HSET', META, 'lease', now + tonumber(ARGV[2]))
local due = redis.call('ZRANGEBYSCORE', ACTIVE, '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))
-- From here on, a hold of these fans that ends marks them settled: its row may be missing from the
-- caller's look at PostgreSQL, so END_TICK keeps such a slot for another look.
for i = 1, #due, 2000 do
  redis.call('SREM', SETTLED, unpack(due, i, math.min(i + 1999, #due)))
end
table.insert(due, 1, 1)
return due
`;

/**
 * ARGV: now, admissionPerMinute, maxActiveUsers, activeTtl (ms), opensAt, seed, recheck (ms),
 * count of users to free, those users, then the users to keep.
 * Frees the given slots unless a hold of the fan is in flight or ended since BEGIN_TICK (its row may have
 * committed after the caller read PostgreSQL); those, and the kept ones, are looked at again after
 * recheck ms. Then, unless the room is closed, admits from the head of the queue: the rate as a credit
 * that carries its fraction from tick to tick (so any run of ticks admits exactly rate × time), never
 * above the cap. While the queue, the cap or a closed room is what limits admission only the fraction is
 * kept: a lull must not become a burst.
 * Returns {freed, waitingCount, activeCount, then user, join time per admitted fan}.
 */
export const END_TICK = `${PRELUDE}
local now, rate, cap, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local recheck = now + tonumber(ARGV[7])
local nfree = tonumber(ARGV[8])
local freed = 0
redis.call('ZREMRANGEBYSCORE', INFLIGHT, '-inf', now) -- marks left by an instance that died mid-hold
local holding = {}
for _, mark in ipairs(redis.call('ZRANGE', INFLIGHT, 0, -1)) do
  holding[string.match(mark, '^[^:]+')] = true
end
for i = 9, 8 + nfree do
  local user = ARGV[i]
  local score = redis.call('ZSCORE', ACTIVE, user)
  if score and tonumber(score) <= now then
    if holding[user] or redis.call('SISMEMBER', SETTLED, user) == 1 then
      redis.call('ZADD', ACTIVE, recheck, user)
    else
      redis.call('ZREM', ACTIVE, user)
      redis.call('HDEL', UNTIL, user)
      freed = freed + 1
    end
  end
end
for i = 9 + nfree, #ARGV do
  redis.call('ZADD', ACTIVE, 'XX', recheck, ARGV[i])
end
open_if_due(now, ARGV[5], ARGV[6])
local waiting = redis.call('ZCARD', QUEUE)
if closed(now, ARGV[5]) then waiting = 0 end

local last = tonumber(redis.call('HGET', META, 'lastTick') or '')
local elapsed = 1000
if last then elapsed = math.max(0, math.min(now - last, 5000)) end
local credit = tonumber(redis.call('HGET', META, 'credit') or '0') + rate * elapsed / 60000
local due = math.floor(credit + 1e-9)
local room = math.max(0, cap - redis.call('ZCARD', ACTIVE))
local n = math.min(due, room, waiting)
local out = {freed, 0, 0}
if n > 0 then
  local popped = redis.call('ZPOPMIN', QUEUE, n)
  local slots = {}
  for i = 1, #popped, 2 do
    local user = popped[i]
    slots[#slots + 1] = now + ttl
    slots[#slots + 1] = user
    redis.call('HSET', UNTIL, user, now + ttl)
    out[#out + 1] = user
    out[#out + 1] = redis.call('HGET', JOINED, user) or ''
    redis.call('HDEL', JOINED, user)
  end
  zadd_all(ACTIVE, slots)
end
credit = credit - n
if n < due then credit = credit - math.floor(credit) end
redis.call('HSET', META, 'lastTick', now, 'credit', tostring(credit), 'lease', 0)
local admitted = redis.call('HINCRBY', META, 'admitted', n)
local c = counts()
out[2], out[3] = c[1], c[2]
redis.call('LPUSH', HISTORY, now .. ':' .. c[1] .. ':' .. c[2] .. ':' .. admitted)
redis.call('LTRIM', HISTORY, 0, 599)
return out
`;

/** ARGV: now, opensAt ('' = none), seed. Applies the room's opening now (a changed opensAt); returns the counts. */
export const OPEN = `${PRELUDE}
open_if_due(tonumber(ARGV[1]), ARGV[2], ARGV[3])
return counts()
`;

/** ARGV: user, now. 1 while the fan may start something (a soft lock): admitted, and the admission's own time not over. */
export const MAY_START = `${PRELUDE}
if not redis.call('ZSCORE', ACTIVE, ARGV[1]) then return 0 end
if tonumber(redis.call('HGET', UNTIL, ARGV[1]) or '0') <= tonumber(ARGV[2]) then return 0 end
return 1
`;

/**
 * KEYS: active, until, inflight, the seat's lock hash. ARGV: user, now, mark, mark's crash bound (ms).
 * The hold's gate and its soft-lock check in one round trip: {lock owner or '', 1 if admitted}. A fan may
 * start a hold only while admitted and before the admission's own time runs out (after it, they may
 * finish paying for what they hold, nothing new). A hold that may go ahead (another fan's lock refuses
 * it at once) is marked in flight until HOLD_SETTLED removes the mark, so that no tick frees the slot
 * between this check and the hold's commit.
 */
export const GATE = `
local owner = redis.call('HGET', KEYS[4], 'owner') or ''
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return {owner, 0} end
if tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') <= tonumber(ARGV[2]) then return {owner, 0} end
if owner == '' or owner == ARGV[1] then redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3]) end
return {owner, 1}
`;

/**
 * KEYS: inflight, settled. ARGV: mark, user. The hold's statement ended (committed, refused or failed):
 * the mark goes, and the fan is settled so that a tick running meanwhile looks at the slot again.
 */
export const HOLD_SETTLED = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return 1
`;
