import type { Role } from '../../config/app-config';

/** Who is calling: decoded from the JWT by the auth guard. */
export interface Principal {
  userId: number;
  role: Role;
  /** The access token's session (absent on tokens issued before sessions existed): what logout revokes. */
  session?: Session;
  /** When the access token expires: a push connection opened with it ends then. */
  expiresAtMs?: number;
}

export interface Session {
  /** The access token's own id (jti). */
  tokenId: string;
  /** The refresh-token family it belongs to (one login and its refreshes). */
  familyId: string;
  expiresAtMs: number;
}

export const ROLE_RANK: Record<Role, number> = { USER: 0, ADMIN: 1 };

export function hasRole(principal: Principal, minimum: Role): boolean {
  return ROLE_RANK[principal.role] >= ROLE_RANK[minimum];
}
