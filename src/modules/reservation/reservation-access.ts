import { notFound } from '../../common/errors/domain-error';
import type { Principal } from '../../common/auth/principal';

/** Another user's reservation is answered exactly like a missing one: 404, never a hint it exists. */
export function assertOwner<T extends { userId: number }>(row: T | undefined, caller: Principal): T {
  if (!row || row.userId !== caller.userId) throw notFound('Reservation');
  return row;
}
