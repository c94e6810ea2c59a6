/** Redis keys of the expiry scheduler, shared by every instance using the same Redis database. */
export const DUE_KEY = 'checkout:expiry:due';
/** Claimed ids under a lease: score = when the lease runs out and another instance may retry them. */
export const PROCESSING_KEY = 'checkout:expiry:processing';

/**
 * The claim, atomic because Redis runs a script alone: take up to ARGV[2] ids whose lease ran out
 * (their claimer died or failed before it could finish), then due ids, move them all to the
 * processing set with lease deadline ARGV[3], and return them. Each member is handed to exactly one
 * caller per lease; the database update is conditional anyway, so a retry after a lease is harmless.
 *
 * KEYS[1] due set, KEYS[2] processing set; ARGV[1] now (ms), ARGV[2] limit (≤ 2000: unpack() must
 * fit Lua's C stack), ARGV[3] lease deadline (ms).
 */
export const CLAIM_SCRIPT = `
local limit = tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, limit)
if #ids < limit then
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, limit - #ids)
  for i = 1, #due do ids[#ids + 1] = due[i] end
end
if #ids == 0 then return ids end
local leased = {}
for i = 1, #ids do
  leased[2 * i - 1] = ARGV[3]
  leased[2 * i] = ids[i]
end
redis.call('ZREM', KEYS[1], unpack(ids))
redis.call('ZADD', KEYS[2], unpack(leased))
return ids
`;

/** Scores are whole milliseconds rounded UP: a score below the real deadline would pop a not-yet-due row. */
export const scoreOf = (dueAt: Date | number): number =>
  Math.ceil(typeof dueAt === 'number' ? dueAt : dueAt.getTime());
