import * as jwt from 'jsonwebtoken';
import { BENCH_JWT_SECRET } from './app-process';

/** Tokens the app accepts (same claims as TokenService.sign), minted here to skip signup/bcrypt. */
export function userTokens(userIds: number[]): string[] {
  return userIds.map((id) =>
    jwt.sign({ sub: String(id), role: 'USER' }, BENCH_JWT_SECRET, { algorithm: 'HS256', expiresIn: 3600 }),
  );
}
