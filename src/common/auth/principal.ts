import type { Role } from '../../config/app-config';

/** Who is calling: decoded from the JWT by the auth guard. */
export interface Principal {
  userId: number;
  role: Role;
}

export const ROLE_RANK: Record<Role, number> = { USER: 0, ADMIN: 1 };

export function hasRole(principal: Principal, minimum: Role): boolean {
  return ROLE_RANK[principal.role] >= ROLE_RANK[minimum];
}
