/** PostgreSQL SQLSTATE of a failed query, if it is one. */
export function pgErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/** PostgreSQL's DETAIL of a failed query (e.g. which key a constraint refused), or ''. */
export function pgErrorDetail(err: unknown): string {
  const e = err as { detail?: unknown; driverError?: { detail?: unknown } };
  const detail = e?.driverError?.detail ?? e?.detail;
  return typeof detail === 'string' ? detail : '';
}

export const isUniqueViolation = (err: unknown) => pgErrorCode(err) === '23505';

/** PostgreSQL broke a lock cycle by failing this statement; running it again usually succeeds. */
export const isDeadlock = (err: unknown) => pgErrorCode(err) === '40P01';

/**
 * Errors one statement of a batch can owe to one of its rows (integrity, class 23) or that a retry can
 * clear (deadlock or serialization, class 40); not a lost connection or a database going away.
 */
export const isRowOrRetryableError = (err: unknown) => /^(23|40)[0-9A-Z]{3}$/.test(pgErrorCode(err) ?? '');
