// The demo page's one waiting room (../queue.js), on the page's session and socket. Whether the seat map
// shows is its call (onGate); a lock or hold refused with ADMISSION_REQUIRED sends the fan back to it.
import { createWaitingRoom } from '../queue.js';
import { api } from '../shared/session.js';
import { clockTime, logEvent, setSeatMessage, state } from './state.js';

let gate = () => undefined;

/** `callback(open)`: the seat map may show (the concert has no room, or the fan is admitted) or not. */
export function onGate(callback) {
  gate = callback;
}

export const queue = createWaitingRoom({
  api,
  socket: () => state.socket,
  pushLive: () => state.mode === 'socket',
  onGate: (open) => gate(open),
  logEvent,
  clockTime,
});

/**
 * The server refused a lock or hold with ADMISSION_REQUIRED: the fan's admission ended (or the room was
 * turned on) before the page heard of it. The queue view comes back and the fan is in line again.
 */
export function backToQueue() {
  setSeatMessage('Your admission to this concert has ended — you are back in the queue.', true);
  void queue.readmit(state.concertId);
}
