export const SEATS_PER_ROW = 20;

/** Row label for a 0-based row index: A … Z, then AA, AB, … (spreadsheet-style). */
export function rowLabel(rowIndex: number): string {
  let n = rowIndex + 1;
  let label = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    label = String.fromCharCode(65 + rem) + label;
    n = Math.floor((n - 1) / 26);
  }
  return label;
}

/** Seat numbers for `count` seats: A-1 … A-20, B-1 …, in rows of 20. */
export function seatNumbers(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `${rowLabel(Math.floor(i / SEATS_PER_ROW))}-${(i % SEATS_PER_ROW) + 1}`,
  );
}
