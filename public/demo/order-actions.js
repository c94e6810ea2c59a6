// The buttons of an order in "My orders": Pay opens its cart, Cancel and the refunds (one seat, or every
// paid seat) go to the server, and the list is read again after each, whatever the answer.
import { api } from '../shared/session.js';
import { krw } from '../shared/zones.js';
import { showOrder } from './checkout.js';
import { reloadOrders, renderOrders } from './my-orders.js';
import { releasePicks } from './picks.js';
import { $, LIVE, logEvent, setOrdersMessage, state } from './state.js';

/**
 * "Pay" on an order in "My orders": its cart comes up, read from the server (its own GET, which also
 * expires an overdue hold), with the payment method and the Pay button.
 */
export async function openCheckout(id) {
  setOrdersMessage('');
  const session = state.sessionSeq;
  let o;
  try {
    o = await api('GET', `/api/orders/${id}`);
  } catch (err) {
    setOrdersMessage(`Could not open order #${id}: ${err.errorCode || 'ERROR'} ${err.message}`, true);
    return;
  }
  if (session !== state.sessionSeq) return;
  // The picks the fan was making let go: a live order disables the map.
  await releasePicks();
  showOrder(o, 'response');
  $('checkout').scrollIntoView({ block: 'nearest' });
  if (LIVE.includes(o.status) && !$('pay').disabled) $('pay').focus();
}

/**
 * A button of an order in "My orders": cancel the order, refund one seat (`reservationId`) or every paid
 * seat. The list is read again after it, whatever the answer.
 */
export async function runOrderAction(id, action, reservationId) {
  setOrdersMessage('');
  state.orders.busy.add(id);
  renderOrders();
  try {
    const o =
      action === 'cancel'
        ? await api('POST', `/api/orders/${id}/cancel`)
        : await api(
            'POST',
            `/api/orders/${id}/refund`,
            reservationId ? { reservationIds: [reservationId] } : {},
          );
    setOrdersMessage(actionDone(o, action, reservationId));
    if (state.order && state.order.id === id) showOrder(o, 'response');
  } catch (err) {
    const refusal = actionRefusal(id, action, err);
    setOrdersMessage(refusal, true);
    logEvent('orders', refusal);
  } finally {
    state.orders.busy.delete(id);
    await reloadOrders();
  }
}

function actionDone(o, action, reservationId) {
  if (action === 'cancel')
    return `Order #${o.id} ${o.status === 'REFUNDED' ? 'refunded' : o.status.toLowerCase()}.`;
  const item = reservationId && o.items.find((i) => i.reservationId === reservationId);
  if (item) return `Order #${o.id}: seat ${item.seatNumber} refunded (${krw(item.amount)}).`;
  return `Order #${o.id} refunded.`;
}

function actionRefusal(id, action, err) {
  if (err.errorCode === 'REFUND_CUTOFF_PASSED')
    return `Order #${id} can no longer be refunded (REFUND_CUTOFF_PASSED): ${err.message}.`;
  return `Could not ${action} order #${id}: ${err.errorCode || 'ERROR'} ${err.message}`;
}
