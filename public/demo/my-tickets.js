// "My tickets": the fan's reservations, newest first, read again whenever the server says one changed;
// each with its Pay, Refund or Cancel button (checkout.js runs them).
import { accessToken, api } from '../shared/session.js';
import { renderSeats } from './seat-map.js';
import { $, LIVE, TICKET_STATUSES, TICKETS_LIMIT, setTicketsMessage, state } from './state.js';

/** Reads "My tickets" again, one read at a time: any number of asks meanwhile make one more read. */
export function reloadTickets() {
  const t = state.tickets;
  if (t.loading) {
    t.again = true;
    return t.loading;
  }
  t.loading = loadTickets().finally(() => {
    t.loading = null;
    if (t.again) {
      t.again = false;
      void reloadTickets();
    }
  });
  return t.loading;
}

async function loadTickets() {
  if (!accessToken()) return;
  const t = state.tickets;
  const session = state.sessionSeq;
  const query = TICKET_STATUSES.map((s) => `status=${s}`).join('&');
  let list;
  try {
    list = await api('GET', `/api/reservations/v7/me?${query}&limit=${TICKETS_LIMIT}`);
  } catch (err) {
    if (session !== state.sessionSeq) return;
    t.loadFailed = true;
    setTicketsMessage(`Could not load your tickets: ${err.errorCode || 'ERROR'} ${err.message}`, true);
    return;
  }
  if (session !== state.sessionSeq) return;
  // A read that works again takes its failure's message away (not a refund's or cancel's answer).
  if (t.loadFailed) setTicketsMessage('');
  t.loadFailed = false;
  t.list = list;
  t.read = true;
  renderTickets();
}

/**
 * A reservation's status as the server just told it (push, answer or poll): the list is read again
 * only if it says otherwise, so the push and the answer about one change make one read, not two. A
 * reservation the list does not have matters only if it belongs there (a new hold; not an expiry).
 */
export function noteTicketStatus(id, status) {
  const listed = state.tickets.list.find((r) => r.id === id);
  const outdated = listed ? listed.status !== status : TICKET_STATUSES.includes(status);
  if (outdated) void reloadTickets();
}

/** Newest first, as the server lists them. */
export function renderTickets() {
  const list = state.tickets.list;
  $('tickets-empty').hidden = list.length > 0 || !state.tickets.read;
  $('ticket-list').replaceChildren(...list.map(ticketItem));
  // The map shows the fan's own seats from this list.
  if (state.seats.size) renderSeats();
}

function ticketItem(r) {
  const li = document.createElement('li');
  li.className = 'ticket';
  li.dataset.testid = `ticket-${r.id}`;
  li.dataset.status = r.status;
  const concert = state.concerts.get(r.concertId);
  const what = document.createElement('span');
  what.textContent =
    `#${r.id} · ${concert ? concert.title : `concert #${r.concertId}`} · seat ${r.seatNumber} · ` +
    `${Number(r.amount).toLocaleString()} KRW`;
  const status = document.createElement('b');
  status.className = 'status';
  status.dataset.status = r.status;
  status.dataset.testid = 'ticket-status';
  status.textContent = r.status;
  li.append(what, status);
  const note = ticketNote(r);
  if (note) {
    const small = document.createElement('small');
    small.dataset.testid = 'ticket-note';
    small.textContent = note;
    li.append(small);
  }
  const actions = ticketActions(r);
  if (actions.length) {
    const box = document.createElement('span');
    box.className = 'ticket-actions';
    for (const action of actions) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = action === 'pay' ? '' : 'secondary';
      b.textContent = { pay: 'Pay', refund: 'Refund', cancel: 'Cancel' }[action];
      b.dataset.testid = `ticket-${action}`;
      b.dataset.action = action;
      b.dataset.reservationId = String(r.id);
      b.disabled = state.tickets.busy.has(r.id);
      box.append(b);
    }
    li.append(box);
  }
  return li;
}

/**
 * Pay (in the checkout card) or cancel for a hold or a payment under way, wherever it was made; refund
 * for a paid ticket before its cutoff. The cutoff is read on the browser's clock, which may be off: the
 * server's clock decides (REFUND_CUTOFF_PASSED).
 */
function ticketActions(r) {
  if (LIVE.includes(r.status)) return ['pay', 'cancel'];
  if (r.status === 'CONFIRMED' && refundOpen(r)) return ['refund'];
  return [];
}

const refundOpen = (r) => Boolean(r.refundCutoffAt) && Date.now() < Date.parse(r.refundCutoffAt);

function ticketNote(r) {
  if (r.status !== 'CONFIRMED' || !r.refundCutoffAt) return '';
  const cutoff = new Date(r.refundCutoffAt).toLocaleString();
  return refundOpen(r) ? `refundable until ${cutoff}` : `no refunds after ${cutoff}`;
}
