// Live seat changes: one socket.io connection to /realtime, subscribed to every show's SEAT_STATUS.
// The socket is anonymous on purpose: seat pushes are public, and without a token the socket never has
// to follow the session's token refreshes. socket.io reconnects by itself; after a reconnect the counts
// are re-read, since pushes sent meanwhile are lost.

/** The server keeps at most this many show subscriptions per socket. */
const MAX_SUBSCRIPTIONS = 50;

const state = { socket: null, optionIds: [], onSeat: null, onState: null, onReconnect: null };

/**
 * Connects (once) and reports: `onSeat(push)` for each SEAT_STATUS, `onState(mode, text)` with mode
 * 'live' | 'connecting' | 'offline', `onReconnect()` when a dropped connection came back.
 */
export function connect({ onSeat, onState, onReconnect }) {
  Object.assign(state, { onSeat, onState, onReconnect });
  if (state.socket) return;
  if (typeof window.io !== 'function') {
    onState('offline', 'no live updates (socket.io client unavailable) — use Refresh');
    return;
  }
  onState('connecting', 'connecting…');
  const socket = window.io('/realtime', { forceNew: true, reconnectionDelayMax: 5000 });
  state.socket = socket;
  let connectedBefore = false;
  socket.on('connect', () => {
    state.onState('live', 'live (socket.io)');
    subscribeAll();
    if (connectedBefore) state.onReconnect();
    connectedBefore = true;
  });
  socket.on('disconnect', () => state.onState('connecting', 'reconnecting… counts may be stale'));
  socket.on('connect_error', (err) => state.onState('offline', `no live updates (${err.message})`));
  socket.on('SEAT_STATUS', (push) => state.onSeat(push));
}

/** Follows these shows from now on (the first MAX_SUBSCRIPTIONS; the rest need Refresh). */
export function follow(optionIds) {
  state.optionIds = optionIds.slice(0, MAX_SUBSCRIPTIONS);
  subscribeAll();
  return optionIds.length - state.optionIds.length;
}

function subscribeAll() {
  const socket = state.socket;
  if (!socket || !socket.connected) return;
  for (const optionId of state.optionIds) {
    socket.emit('seats.subscribe', { optionId }, (ack) => {
      if (!ack || !ack.ok) state.onState('offline', `seat updates refused for show #${optionId}`);
    });
  }
}

export function disconnect() {
  const socket = state.socket;
  state.socket = null;
  state.optionIds = [];
  if (!socket) return;
  socket.off();
  socket.disconnect();
}
