import { io, Socket } from 'socket.io-client';

/**
 * Connects one socket.io client per token to `/realtime` (websocket transport, no reconnection), spread
 * over `urls`, in waves of 100 so the handshakes do not time out. If any of a wave fails, every socket
 * opened so far is closed and the error thrown: nothing is left connected.
 */
export async function connectAll(urls: string[], tokens: string[]): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < tokens.length; i += 100) {
    const wave = tokens.slice(i, i + 100).map((token, j) => {
      const s = io(`${urls[(i + j) % urls.length]}/realtime`, {
        transports: ['websocket'],
        auth: { token },
        reconnection: false,
        forceNew: true,
        timeout: 20_000,
      });
      sockets.push(s);
      return new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('connect_error', reject);
      });
    });
    try {
      await Promise.all(wave);
    } catch (err) {
      for (const s of sockets) s.disconnect();
      throw err;
    }
  }
  return sockets;
}
