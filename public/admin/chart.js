// The waiting-room chart: waiting and active fans over the last ten minutes, as an inline SVG built
// with DOM APIs (no chart library; the CSP forbids inline styles, so colours come from CSS classes).
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 600;
const HEIGHT = 200;
const PAD = { left: 64, right: 8, top: 14, bottom: 30 };
const WINDOW_MS = 10 * 60 * 1000;
/** y-axis labels: right-aligned to the axis, centred on their grid line whatever the font size. */
const RIGHT_MIDDLE = { 'text-anchor': 'end', 'dominant-baseline': 'middle' };

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A round top for the y axis (1, 2, 5 × 10ⁿ), so the scale does not jump with every sample. */
function niceMax(value) {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * power >= value);
  return step * power;
}

/**
 * The chart of `samples` (`[{at, waitingCount, activeCount}]`, oldest first): the x axis ends at the
 * newest sample and spans ten minutes, so a room that just opened fills from the right.
 */
export function roomChart(samples) {
  const svg = svgEl('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: 'chart',
    role: 'img',
    'aria-labelledby': 'room-chart-title',
    'data-testid': 'room-chart',
  });
  const last = samples.at(-1);
  svg.append(
    svgEl(
      'title',
      { id: 'room-chart-title' },
      last
        ? `Waiting and active fans, last 10 minutes; now ${last.waitingCount} waiting, ${last.activeCount} active`
        : 'Waiting and active fans, last 10 minutes: no sample yet',
    ),
  );
  const top = niceMax(Math.max(0, ...samples.flatMap((s) => [s.waitingCount, s.activeCount])));
  svg.append(...axes(top));
  if (!last) return svg;
  const end = Date.parse(last.at);
  const x = (s) =>
    PAD.left + ((Date.parse(s.at) - (end - WINDOW_MS)) / WINDOW_MS) * (WIDTH - PAD.left - PAD.right);
  const y = (v) => HEIGHT - PAD.bottom - (v / top) * (HEIGHT - PAD.top - PAD.bottom);
  const line = (key, className) =>
    svgEl('polyline', {
      class: `line ${className}`,
      points: samples.map((s) => `${x(s).toFixed(1)},${y(s[key]).toFixed(1)}`).join(' '),
      'data-testid': `room-chart-${className}`,
    });
  svg.append(line('waitingCount', 'waiting'), line('activeCount', 'active'));
  return svg;
}

function axes(top) {
  const bottom = HEIGHT - PAD.bottom;
  return [
    svgEl('line', { class: 'grid', x1: PAD.left, y1: PAD.top, x2: WIDTH - PAD.right, y2: PAD.top }),
    svgEl('line', { class: 'axis', x1: PAD.left, y1: bottom, x2: WIDTH - PAD.right, y2: bottom }),
    svgEl('line', { class: 'axis', x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: bottom }),
    svgEl('text', { class: 'tick', x: PAD.left - 6, y: PAD.top, ...RIGHT_MIDDLE }, String(top)),
    svgEl('text', { class: 'tick', x: PAD.left - 6, y: bottom, ...RIGHT_MIDDLE }, '0'),
    svgEl('text', { class: 'tick', x: PAD.left, y: HEIGHT - 6 }, '−10 min'),
    svgEl('text', { class: 'tick', x: WIDTH - PAD.right, y: HEIGHT - 6, 'text-anchor': 'end' }, 'now'),
  ];
}
