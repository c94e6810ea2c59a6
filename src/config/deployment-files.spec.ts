import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { envSchema } from './env.schema';

const root = join(__dirname, '..', '..');
const schemaKeys = Object.keys(envSchema.shape);

/** docker-compose.yml and .env.example must not drift from the one env schema. */
describe('deployment files follow the env schema', () => {
  it('docker-compose.yml gives the app only variables the schema knows', () => {
    const compose = load(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
      services: { app: { environment: Record<string, unknown> } };
    };
    const appVariables = Object.keys(compose.services.app.environment);
    expect(appVariables.length).toBeGreaterThan(10);
    expect(appVariables.filter((name) => !schemaKeys.includes(name))).toEqual([]);
    expect(appVariables).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS', 'JWT_SECRET']),
    );
  });

  it('.env.example lists every schema variable', () => {
    const text = readFileSync(join(root, '.env.example'), 'utf8');
    const listed = new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(schemaKeys.filter((name) => !listed.has(name))).toEqual([]);
  });

  it('npm start and the Dockerfile run node with the same flags (the benchmarks read them from npm start)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: { start: string };
    };
    const flags = /node ((?:--\S+ )*)dist\/main\.js/.exec(pkg.scripts.start)?.[1] ?? '';
    expect(flags).toMatch(/^--/);
    const dockerCmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
    expect((JSON.parse(dockerCmd ?? '[]') as string[]).join(' ')).toBe(`node ${flags}dist/src/main.js`);
  });
});
