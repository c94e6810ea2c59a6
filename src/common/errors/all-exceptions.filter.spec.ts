import { EventEmitter } from 'node:events';
import { ArgumentsHost, Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { AllExceptionsFilter } from './all-exceptions.filter';

/** A connection that is ready at once and never talks to a server: the pool only hands it out. */
class IdleClient extends EventEmitter {
  connect(callback: (err?: Error) => void) {
    callback();
  }
  end(callback?: () => void) {
    callback?.();
  }
}

/** What pg-pool itself rejects with when every connection stays busy for connectionTimeoutMillis. */
async function poolExhausted(): Promise<Error> {
  const pool = new Pool({ max: 1, connectionTimeoutMillis: 20, Client: IdleClient as never });
  const busy = await pool.connect();
  try {
    return await pool.connect().then(
      () => {
        throw new Error('the second connection was handed out');
      },
      (err: Error) => err,
    );
  } finally {
    busy.release();
    await pool.end();
  }
}

function answer(exception: unknown) {
  const reply = {
    sent: false,
    raw: { headersSent: false },
    headers: {} as Record<string, string>,
    statusCode: 0,
    body: undefined as unknown,
    header(name: string, value: string) {
      this.headers[name] = value;
      return this;
    },
    status(code: number) {
      this.statusCode = code;
      return this;
    },
    send(body: unknown) {
      this.body = body;
      return this;
    },
  };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({
      getResponse: () => reply,
      getRequest: () => ({ id: 'req-1', method: 'GET', url: '/' }),
    }),
  } as unknown as ArgumentsHost;
  new AllExceptionsFilter().catch(exception, host);
  return reply;
}

describe('AllExceptionsFilter', () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After, not 500, when no pooled connection frees up in time', async () => {
    const err = await poolExhausted();
    expect(err.message).toBe('timeout exceeded when trying to connect');
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    const reply = answer(err);

    expect(reply.statusCode).toBe(503);
    expect(reply.body).toMatchObject({
      status: 503,
      errorCode: 'SERVICE_UNAVAILABLE',
      correlationId: 'req-1',
    });
    expect(reply.headers['Retry-After']).toBe('1');
    expect(error).not.toHaveBeenCalled(); // an overload, not an unexpected error
  });

  it('still answers an unknown error 500 INTERNAL_ERROR, without Retry-After', () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const reply = answer(new Error('boom'));
    expect(reply.statusCode).toBe(500);
    expect(reply.body).toMatchObject({ errorCode: 'INTERNAL_ERROR' });
    expect(reply.headers['Retry-After']).toBeUndefined();
  });
});
