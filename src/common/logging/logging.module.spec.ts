import { Writable } from 'node:stream';
import pino from 'pino';
import pretty from 'pino-pretty';
import { prettyOptions } from './logging.module';

/** What a terminal shows for `lines` written through the pretty printer with the service's options. */
async function printed(write: (logger: pino.Logger) => void): Promise<string[]> {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const stream = pretty({ ...prettyOptions(), colorize: false, destination: sink, sync: true });
  write(pino({ level: 'info' }, stream));
  await new Promise((resolve) => setImmediate(resolve));
  return text.split('\n').filter((l) => l.trim() !== '');
}

describe('the terminal log (pino-pretty)', () => {
  it('prints one line per request: method, path, status and milliseconds', async () => {
    const lines = await printed((logger) =>
      logger.child({ correlationId: 'abc-123' }).info(
        {
          req: { method: 'POST', url: '/api/reservations/v7/holds' },
          res: { statusCode: 201 },
          responseTime: 12.345,
        },
        'request completed',
      ),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/POST \/api\/reservations\/v7\/holds 201 12 ms/);
    expect(lines[0]).toContain('abc-123'); // the correlation id stays, to find the request in the log
  });

  it('keeps an ordinary line (with its fields) on one line too', async () => {
    const lines = await printed((logger) =>
      logger.info({ context: 'Bootstrap', detail: { a: 1 } }, 'demo data ready'),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('demo data ready');
  });
});
