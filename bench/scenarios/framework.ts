import { startBareServer } from '../support/app-process';
import { cannon } from '../support/load';
import { Scenario } from '../support/runner';

const CONNECTIONS = 64;

/** GET /health/live through the whole stack vs a bare node:http server answering the same bytes. */
export const framework: Scenario = {
  name: 'framework',
  async run(ctx) {
    const measure = async (url: string) => {
      await cannon({ url, connections: CONNECTIONS, durationSec: 1 }); // warm-up: JIT, keep-alive sockets
      return cannon({ url, connections: CONNECTIONS, durationSec: ctx.args.duration });
    };
    const { app } = await ctx.startService({});
    const service = await measure(`${app.url}/health/live`).finally(() => app.stop());
    const bareServer = await startBareServer();
    const bare = await measure(bareServer.url).finally(() => bareServer.stop());
    ctx.log(
      `/health/live ${service.okPerSec.toFixed(0)} req/s vs bare node:http ${bare.okPerSec.toFixed(0)} req/s`,
    );
    return [
      {
        scenario: 'trivial route',
        metric: 'req/s',
        service: service.okPerSec,
        ceiling: bare.okPerSec,
        note: `GET /health/live vs bare node:http, ${CONNECTIONS} conn`,
      },
      { scenario: 'trivial route', metric: 'p99 ms', service: service.p99Ms, ceiling: bare.p99Ms },
    ];
  },
};
