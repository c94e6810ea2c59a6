import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { envSchema } from './env.schema';

const root = join(__dirname, '..', '..');
const schemaKeys = Object.keys(envSchema.shape);

interface Service {
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, unknown>;
}

/**
 * docker-compose.yml and .env.example must not drift from the one env schema; compose runs the
 * multi-instance shape with the nginx rules the three-instance tests run (deploy/nginx).
 */
describe('deployment files follow the env schema', () => {
  const compose = load(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, Service>;
  };
  const apps = ['app1', 'app2', 'app3'].map((name) => compose.services[name]);

  it('docker-compose.yml runs three identical instances with only variables the schema knows', () => {
    const appVariables = Object.keys(apps[0].environment ?? {});
    expect(appVariables.length).toBeGreaterThan(10);
    expect(appVariables.filter((name) => !schemaKeys.includes(name))).toEqual([]);
    expect(appVariables).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS', 'JWT_SECRET', 'TRUST_PROXY']),
    );
    for (const app of apps) {
      expect(app.environment).toEqual(apps[0].environment);
      expect(app.ports).toBeUndefined(); // only nginx is published
    }
    expect(compose.services.nginx.ports).toEqual(['${APP_HOST_PORT:-3000}:80']);
  });

  it('docker-compose.yml refuses to start without the secrets: JWT_SECRET and ADMIN_PASSWORD', () => {
    const environment = apps[0].environment ?? {};
    // `${NAME:?message}`: compose stops with the message when NAME is unset or empty (no default password).
    for (const name of ['JWT_SECRET', 'ADMIN_PASSWORD']) expect(environment[name]).toMatch(`\${${name}:?`);
  });

  it('mounts the tested nginx rules where compose.conf includes them, and names every instance', () => {
    const mounts = new Map(
      (compose.services.nginx.volumes ?? []).map((v) => [v.split(':')[1], v.split(':')[0]]),
    );
    expect(mounts.get('/etc/nginx/nginx.conf')).toBe('./deploy/nginx/compose.conf');
    const conf = readFileSync(join(root, 'deploy/nginx/compose.conf'), 'utf8');
    const includes = [...conf.matchAll(/include (\S+);/g)].map((m) => m[1]);
    expect(includes.map((path) => mounts.get(path))).toEqual([
      './deploy/nginx/checkout-http.conf',
      './deploy/nginx/checkout-server.conf',
    ]);
    for (const name of ['app1', 'app2', 'app3']) expect(conf).toContain(`server ${name}:3000`);
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
