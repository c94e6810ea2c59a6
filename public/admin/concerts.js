// Concerts panel: every concert with its shows and their seat counts, kept live. A SEAT_STATUS push
// says what a seat became, not what it was, so the page cannot adjust a count by itself: it re-reads
// the concert's shows instead, at most once per PUSH_DEBOUNCE_MS however many seats change at once.
import * as catalog from './catalog.js';
import * as catalogEditor from './catalog-editor.js';
import * as live from './live.js';
import { $, el, formatAmountRange, formatTime, replace, say, showError, table } from './ui.js';

const PUSH_DEBOUNCE_MS = 400;
const pending = new Map(); // concertId → timer of the re-read it waits for

export function init() {
  $('concerts-refresh').addEventListener('click', () => void reload());
  catalog.onChange(render);
  catalogEditor.init({ reload });
}

export function reset() {
  catalogEditor.reset();
}

/** After the console opened: the catalog, then live updates for its shows. */
export async function start() {
  await reload();
  live.connect({ onSeat, onState: setLiveState, onReconnect: () => void reload() });
}

export function stop() {
  live.disconnect();
  for (const timer of pending.values()) clearTimeout(timer);
  pending.clear();
  setLiveState('offline', 'not live');
}

async function reload() {
  showError($('concerts-error'), null);
  try {
    await catalog.loadAll();
    const unfollowed = live.follow(catalog.allOptions().map((o) => o.id));
    say($('concerts-note'), unfollowed > 0 ? `${unfollowed} shows are not followed live: use Refresh.` : '');
  } catch (err) {
    showError($('concerts-error'), err, 'Could not load the concerts: ');
  }
}

function onSeat(push) {
  const concertId = catalog.concertOfOption(push.optionId);
  if (concertId === undefined || pending.has(concertId)) return;
  pending.set(
    concertId,
    setTimeout(() => {
      pending.delete(concertId);
      catalog.reloadConcert(concertId).catch((err) => showError($('concerts-error'), err));
    }, PUSH_DEBOUNCE_MS),
  );
}

function setLiveState(mode, text) {
  const badge = $('live');
  badge.dataset.mode = mode;
  badge.textContent = text;
}

function render() {
  const list = catalog.concerts();
  if (!list.length) {
    replace($('concert-list'), el('p', { className: 'hint' }, 'No concerts yet.'));
    return;
  }
  replace($('concert-list'), ...list.map(concertCard));
}

function concertCard(concert) {
  return el(
    'article',
    { className: 'concert', dataset: { testid: `concert-${concert.id}` } },
    el('h3', {}, `${concert.title} `, el('small', {}, `${concert.artistName || ''} · #${concert.id}`)),
    el(
      'p',
      {},
      seatCount(concert, `concert-${concert.id}-available`),
      ' · ',
      saleBadge(concert),
      saleNote(concert, catalog.policyOf(concert.id), `concert-${concert.id}-sale`, ' · '),
    ),
    table(
      [
        { label: 'Show', value: (o) => `${formatTime(o.concertDate)} (#${o.id})` },
        { label: 'Price', value: priceRange, className: 'num' },
        { label: 'Seats', value: (o) => seatCount(o, `option-${o.id}-available`), className: 'num' },
        { label: 'Sale', value: saleBadge },
        { label: 'Sale times', value: (o) => saleNote(o, catalog.policyOf(concert.id)) || '—' },
      ],
      catalog.optionsOf(concert.id),
      { caption: `Shows of ${concert.title}` },
    ),
  );
}

/** What a seat of the show costs: its one price, or the range over its zones ("50,000 – 150,000 KRW"). */
function priceRange(option) {
  const min = option.minPriceAmount ?? option.ticketPriceAmount;
  const max = option.maxPriceAmount ?? option.ticketPriceAmount;
  return el('span', { dataset: { testid: `option-${option.id}-price` } }, formatAmountRange(min, max));
}

/** "37 / 40 available", the available count in its own element for the tests and screen readers. */
function seatCount(item, testId) {
  return el(
    'span',
    {},
    el('b', { dataset: { testid: testId } }, String(item.availableSeatCount)),
    ` / ${item.totalSeatCount} available`,
  );
}

/**
 * What the sale status means in time, from the sales policy: the presale's tier and end and the general
 * sale's start while in presale; the next opening while upcoming. saleOpensAt is when the sale first
 * opened (the presale start), so alone it would show a date in the past for a presale.
 */
function saleText(item, policy) {
  const future = (iso) => Boolean(iso) && Date.parse(iso) > Date.now();
  if (!policy) return future(item.saleOpensAt) ? `sale opens ${formatTime(item.saleOpensAt)}` : '';
  if (item.saleStatus === 'PRESALE') {
    return (
      `presale for ${policy.presaleMinimumTier || 'BASIC'} and up until ${formatTime(policy.presaleEndAt)}` +
      ` · general sale opens ${formatTime(policy.generalSaleStartAt)}`
    );
  }
  if (item.saleStatus !== 'UPCOMING') return '';
  if (future(policy.presaleStartAt)) {
    return (
      `presale (${policy.presaleMinimumTier || 'BASIC'} and up) opens ${formatTime(policy.presaleStartAt)}` +
      ` · general sale ${formatTime(policy.generalSaleStartAt)}`
    );
  }
  return future(policy.generalSaleStartAt)
    ? `general sale opens ${formatTime(policy.generalSaleStartAt)}`
    : '';
}

function saleNote(item, policy, testId, prefix = '') {
  const text = saleText(item, policy);
  if (!text) return '';
  return el('span', { dataset: testId ? { testid: testId } : {} }, `${prefix}${text}`);
}

function saleBadge(item) {
  return el(
    'span',
    { className: 'tag', dataset: { status: item.saleStatus || 'NONE' } },
    item.saleStatus || '—',
  );
}
