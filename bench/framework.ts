import { ServerProcess, startBareServer } from './support/app-process';
import { cannon, LoadResult } from './support/load';

export const TRIVIAL_CONNECTIONS = 64;

export interface FrameworkResult {
  service: LoadResult;
  bare: LoadResult;
}

/** GET /health/live through the whole stack vs a bare node:http server answering the same bytes. */
export async function framework(app: ServerProcess, durationSec: number): Promise<FrameworkResult> {
  const service = await cannon({
    url: `${app.url}/health/live`,
    connections: TRIVIAL_CONNECTIONS,
    durationSec,
  });
  const bareServer = await startBareServer();
  try {
    await cannon({ url: bareServer.url, connections: TRIVIAL_CONNECTIONS, durationSec: 1 });
    const bare = await cannon({ url: bareServer.url, connections: TRIVIAL_CONNECTIONS, durationSec });
    return { service, bare };
  } finally {
    await bareServer.stop();
  }
}
