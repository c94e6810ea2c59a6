// CSV export of what a panel shows, built and downloaded in the browser (a Blob), so the file holds
// exactly the rows on screen and no second request is made.

/**
 * Cells a spreadsheet would run as a formula (=, +, -, @, tab, CR at the start) get a leading
 * apostrophe: a refund reason is free text typed by an admin, and the file is opened in Excel.
 */
function neutralise(text) {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** RFC 4180: every field quoted, quotes doubled, CRLF between records. */
function field(value, { text }) {
  if (value === null || value === undefined) return '""';
  const raw = String(value);
  return `"${(text ? neutralise(raw) : raw).replace(/"/g, '""')}"`;
}

/** `columns`: `[{header, value(row), text?}]`; `text: true` marks free-text columns. */
export function toCsv(columns, rows) {
  const lines = [columns.map((c) => field(c.header, { text: false })).join(',')];
  for (const row of rows) lines.push(columns.map((c) => field(c.value(row), c)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Saves `csv` as `filename`; the byte-order mark makes Excel read the file as UTF-8 (Korean names). */
export function download(filename, csv) {
  const url = URL.createObjectURL(new Blob(['\uFEFF', csv], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later, not at once: some browsers read the Blob only after the click's task has ended.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
