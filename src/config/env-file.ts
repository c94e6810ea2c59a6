import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';

/**
 * The environment the service is configured from: the process's own, over a `.env` file when one is
 * present in the working directory (a variable set in both keeps the environment's value; one in
 * neither stays unset). The file is only read, never written into process.env.
 */
export function environment(
  cwd: string = process.cwd(),
  env: Record<string, string | undefined> = process.env,
): Record<string, string | undefined> {
  const file = join(cwd, '.env');
  if (!existsSync(file)) return env;
  return { ...parse(readFileSync(file)), ...env };
}
