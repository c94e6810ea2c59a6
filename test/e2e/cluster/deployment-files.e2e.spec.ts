import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { envSchema } from '../../../src/config/env.schema';

/**
 * docker-compose.yml is the README's multi-instance shape, built from the files the three-instance tests
 * run (deploy/nginx): three app services from one definition, nginx the only published port, every
 * variable one the service knows.
 */
const ROOT = join(__dirname, '..', '..', '..');

interface Service {
  image?: string;
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
}

describe('docker-compose.yml: nginx in front of three instances', () => {
  const compose = load(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, Service>;
  };
  const apps = ['app1', 'app2', 'app3'].map((name) => compose.services[name]);

  it('runs three identical instances that only nginx publishes, trusting only private proxies', () => {
    for (const app of apps) {
      expect(app).toBeDefined();
      expect(app.environment).toEqual(apps[0].environment);
      expect(app.ports).toBeUndefined();
    }
    expect(apps[0].environment?.TRUST_PROXY).toBe('${TRUST_PROXY:-uniquelocal}');
    expect(compose.services.nginx.ports).toEqual(['${APP_HOST_PORT:-3000}:80']);
    const known = new Set(Object.keys(envSchema.shape));
    expect(Object.keys(apps[0].environment ?? {}).filter((key) => !known.has(key))).toEqual([]);
  });

  it('mounts the tested nginx rules where compose.conf includes them, and names every instance', () => {
    const mounts = new Map(
      (compose.services.nginx.volumes ?? []).map((v) => {
        const [from, to] = v.split(':');
        return [to, from] as const;
      }),
    );
    expect(mounts.get('/etc/nginx/nginx.conf')).toBe('./deploy/nginx/compose.conf');
    const conf = readFileSync(join(ROOT, 'deploy/nginx/compose.conf'), 'utf8');
    const includes = [...conf.matchAll(/include (\S+);/g)].map((m) => m[1]);
    expect(includes).toHaveLength(2);
    for (const path of includes) {
      const source = mounts.get(path);
      expect(source).toMatch(/^\.\/deploy\/nginx\/checkout-(http|server)\.conf$/);
      expect(existsSync(join(ROOT, source!))).toBe(true);
    }
    for (const name of ['app1', 'app2', 'app3']) expect(conf).toContain(`server ${name}:3000`);
  });
});
