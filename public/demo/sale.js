// The sale of the concert on screen: its sales policy, the fan's tier, and what they allow now (the sale
// note and the refusals' wording). The server decides at each lock and hold; this only explains.
import { api } from '../shared/session.js';
import { $, TIERS, dateTime, state } from './state.js';

export async function loadTier() {
  const me = await api('GET', '/api/auth/me');
  state.tier = me.tier || 'BASIC';
}

/**
 * The concert's sales policy. Only a concert with one has a `saleOpensAt` in the catalog, so a concert
 * without one is not asked (its GET would answer 404, which the browser logs as an error).
 */
export async function loadPolicy(concertId) {
  const concert = state.concerts.get(concertId);
  if (!concert || !concert.saleOpensAt) return null;
  try {
    return await api('GET', `/api/concerts/${concertId}/sales-policy`);
  } catch (err) {
    if (err.status === 404) return null;
    throw err;
  }
}

/**
 * Whether the fan may pick seats of the show on screen now, as far as the page knows (the show's
 * saleStatus and the fan's tier): `{ok}` or `{ok: false, text}` saying why not and until when. The
 * server decides at each lock and hold; this only keeps the seats from looking free when they are not.
 */
export function saleAccess() {
  const o = state.options.get(state.optionId);
  const p = state.policy;
  if (!o || !o.saleStatus || o.saleStatus === 'ON_SALE' || o.saleStatus === 'SOLD_OUT') return { ok: true };
  if (o.saleStatus === 'ENDED') return { ok: false, text: 'This show has started: its sale has ended.' };
  if (o.saleStatus === 'PRESALE' && p) {
    const tier = p.presaleMinimumTier || 'BASIC';
    const general = `general sale from ${dateTime(p.generalSaleStartAt)}`;
    if (TIERS.indexOf(state.tier) >= TIERS.indexOf(tier))
      return { ok: true, text: `Presale for ${tier} fans and above: you may buy now (${general}).` };
    return {
      ok: false,
      text: `Presale: only ${tier} fans and above may buy until ${dateTime(p.presaleEndAt)}; your tier is ${state.tier}. General sale from ${dateTime(p.generalSaleStartAt)}.`,
    };
  }
  return { ok: false, text: `Not on sale yet: it opens ${dateTime(nextOpening(p) || o.saleOpensAt)}.` };
}

/** The next time the sale opens to someone: the presale start if still ahead, else the general sale. */
export function nextOpening(p) {
  if (!p) return null;
  return p.presaleStartAt && Date.parse(p.presaleStartAt) > Date.now()
    ? p.presaleStartAt
    : p.generalSaleStartAt;
}

export function renderSaleNote() {
  const access = saleAccess();
  $('sale-note').textContent = access.text || '';
  $('sale-note').hidden = !access.text;
  $('sale-note').dataset.open = String(access.ok);
}

/**
 * "24/12/2026, 19:00:00 · 100,000 KRW · 48 free" (a zoned show: "50,000–150,000 KRW"), with the counts
 * given, else the list's own.
 */
export function optionLabel(o, counts) {
  const free = counts
    ? `${counts.free} free${counts.picking ? ` · ${counts.picking} being picked` : ''}`
    : `${o.availableSeatCount} free`;
  const min = o.minPriceAmount ?? o.ticketPriceAmount;
  const max = o.maxPriceAmount ?? o.ticketPriceAmount;
  const price = min === max ? min.toLocaleString() : `${min.toLocaleString()}–${max.toLocaleString()}`;
  return `${new Date(o.concertDate).toLocaleString()} · ${price} KRW · ${free}`;
}

/** The sale's refusals of a lock or hold, in the fan's words (the server's message follows). */
export const SALE_REFUSALS = {
  PRESALE_TIER_REQUIRED: () => {
    const p = state.policy;
    const tier = (p && p.presaleMinimumTier) || 'a higher';
    return `this show is in its presale, open to ${tier} fans and above only${p ? ` until ${dateTime(p.presaleEndAt)}` : ''}.`;
  },
  SALE_NOT_OPEN: () => {
    const when = nextOpening(state.policy);
    return `the sale is not open yet${when ? `: it opens ${dateTime(when)}` : ''}.`;
  },
  SALE_ENDED: () => 'this show has started, its sale has ended.',
};

export const saleRefusal = (err) => SALE_REFUSALS[err.errorCode]();
