import { join } from 'node:path';

export const NGINX = '/usr/sbin/nginx'; // Debian's nginx-light; .ci/run installs it
const NGINX_RULES = join(__dirname, '..', 'deploy', 'nginx');

/**
 * nginx.conf: a cluster's upstreams and port around the repository's shared rules (deploy/nginx), with
 * everything nginx writes kept in `dir`. Used by the three-instance tests (test/support/cluster.ts) and by
 * the scale-out benchmark (bench/scenarios/scale-out.ts). `down` takes instance `down` out of rotation.
 */
export function nginxConf(dir: string, port: number, ports: number[], down?: number): string {
  const server = (i: number, extra = '') =>
    `server 127.0.0.1:${ports[i]} max_fails=1 fail_timeout=2s${i === down ? ' down' : ''}${extra};`;
  // As in deploy/nginx/compose.conf: instance i, and the next one as its only backup.
  const sticky = (i: number) =>
    `upstream checkout_app${i + 1} { ${server(i)} ${server((i + 1) % ports.length, ' backup')} keepalive 8; }`;
  return `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream checkout_all {
    ${ports.map((_, i) => server(i)).join('\n    ')}
    keepalive 32;
  }
  ${ports.map((_, i) => sticky(i)).join('\n  ')}
  include ${NGINX_RULES}/checkout-http.conf;
  server {
    listen 127.0.0.1:${port};
    include ${NGINX_RULES}/checkout-server.conf;
  }
}
`;
}
