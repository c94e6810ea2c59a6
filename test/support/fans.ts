import { jsonFrom, RawResponse } from './http';
import { TestApp } from './test-app';

/**
 * A fan with an address of their own: any 127.x.y.z is this machine, so each fan's requests come from a
 * different client address, as a crowd's do at a balancer. The limits per client address (sign-up, login,
 * live holds) then count fans, not the test.
 */
export interface Fan {
  id: number;
  username: string;
  password: string;
  token: string;
  address: string;
}

let fans = 0;

/** The n-th fan address: 127.0.2.1, 127.0.2.2, … (127.0.0.1 is the test itself, 127.0.1.x other specs). */
export function fanAddress(n: number): string {
  return `127.0.${2 + Math.floor(n / 250)}.${1 + (n % 250)}`;
}

/** Signs a new fan up and logs them in, from their own address. */
export async function signUpFan(t: TestApp, prefix = 'fan'): Promise<Fan> {
  const n = fans++;
  const address = fanAddress(n);
  const username = `${prefix}${Date.now().toString(36)}${n}`;
  const password = 'password-123';
  const anonymous = { address, token: '' };
  const signup = await asFan(t, anonymous, 'POST', '/api/auth/signup', { username, password });
  const { id } = expectStatus<{ id: number }>(signup, 201);
  const login = await asFan(t, anonymous, 'POST', '/api/auth/login', { username, password });
  const { accessToken } = expectStatus<{ accessToken: string }>(login, 200);
  return { id, username, password, token: accessToken, address };
}

/** A JSON call as this fan: from their address, with their token (if any) and `headers`. */
export function asFan(
  t: TestApp,
  fan: Pick<Fan, 'address' | 'token'>,
  method: string,
  path: string,
  body?: object,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return jsonFrom(t, fan.address, method, path, body, fan.token || undefined, headers);
}

/** The body of an answer with the expected status, or an error that shows what came back instead. */
export function expectStatus<T = Record<string, unknown>>(res: RawResponse, status: number): T {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text}`);
  return res.body as T;
}
