// The zones panel's preview: the show's seat map coloured by the zones as they are being typed (before
// anything is saved), with a legend that counts each zone's seats, and the mistakes the server would
// refuse marked on the map: a seat named twice, a row or seat number the show does not have.
import { colorClass } from '../shared/zones.js';
import { el, formatAmount, replace } from './ui.js';

/** "A, b  C" → ["A", "B", "C"]. */
export const names = (text) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);

/** seatNumber → the indexes of the zones that name it (twice if one zone names it by row and number). */
function claims(seats, zones) {
  const byNumber = new Map(seats.map((s) => [s.seatNumber, []]));
  const rows = new Map();
  for (const s of seats) rows.set(s.row, [...(rows.get(s.row) || []), s.seatNumber]);
  const unknown = [];
  zones.forEach((zone, i) => {
    for (const row of names(zone.rows)) {
      if (!rows.has(row)) unknown.push(`row ${row}`);
      for (const n of rows.get(row) || []) byNumber.get(n).push(i);
    }
    for (const n of names(zone.seatNumbers)) {
      if (!byNumber.has(n)) unknown.push(`seat ${n}`);
      else byNumber.get(n).push(i);
    }
  });
  return { byNumber, unknown };
}

export function renderPreview(container, seats, zones) {
  if (!seats.length) {
    replace(container);
    return;
  }
  const { byNumber, unknown } = claims(seats, zones);
  const counts = zones.map(() => 0);
  const twice = [];
  const rows = new Map();
  for (const seat of seats) {
    const owners = byNumber.get(seat.seatNumber);
    if (owners.length === 1) counts[owners[0]] += 1;
    if (owners.length > 1) twice.push(seat.seatNumber);
    const cell = el(
      'span',
      {
        className: `zone-cell${owners.length === 1 ? ` zoned ${colorClass(zones[owners[0]].color)}` : ''}${owners.length > 1 ? ' conflict' : ''}`,
        title: seat.seatNumber,
        dataset: {
          testid: `zn-seat-${seat.seatNumber}`,
          zone: owners.length === 1 ? zones[owners[0]].name : '',
        },
      },
      String(seat.number),
    );
    rows.set(seat.row, [...(rows.get(seat.row) || []), cell]);
  }
  const problems = [];
  if (twice.length)
    problems.push(`named twice: ${twice.slice(0, 10).join(', ')}${twice.length > 10 ? ' …' : ''}`);
  if (unknown.length) problems.push(`not in this show: ${unknown.join(', ')}`);
  replace(
    container,
    el(
      'ul',
      { className: 'zone-legend', dataset: { testid: 'zn-legend' } },
      ...zones.map((z, i) =>
        el(
          'li',
          { dataset: { testid: `zn-legend-${i}` } },
          el('span', { className: `zone-cell zoned ${colorClass(z.color)}`, 'aria-hidden': 'true' }),
          `${z.name || `Zone ${i + 1}`} · ${z.price === '' ? '—' : formatAmount(Number(z.price))} · ${counts[i]} seats`,
        ),
      ),
    ),
    problems.length
      ? el(
          'p',
          { className: 'error', role: 'status', dataset: { testid: 'zn-problems' } },
          `Would be refused: ${problems.join('; ')}.`,
        )
      : null,
    el(
      'div',
      { className: 'zone-map', dataset: { testid: 'zn-map' }, 'aria-label': 'seat map preview' },
      ...[...rows].map(([row, cells]) => el('div', { className: 'zone-row' }, el('b', {}, row), ...cells)),
    ),
  );
}
