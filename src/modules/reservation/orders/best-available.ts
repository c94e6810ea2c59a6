// Best available seats for a quantity order: a pure choice over the option's seat map. The SQL only tries
// to take what this chose; a caller that loses a race passes the lost seats in `exclude` and asks again.
// The rules are the contract's (docs/decisions.md says what "closest together" means here).

export interface SeatCell {
  id: number;
  row: string;
  number: number;
  /** AVAILABLE and not soft-locked, whatever its zone. */
  free: boolean;
  /** Free and in the requested zone (or no zone was asked for). */
  eligible: boolean;
}

export interface SeatChoice {
  /** Front row first, then lowest number. */
  seatIds: number[];
  /** All in one row with consecutive numbers. */
  adjacent: boolean;
}

/**
 * How many seat widths one row apart counts for, when no row has the seats side by side: rows are deeper
 * than seats are wide, so two seats one behind the other are as far apart as two seats with one between.
 */
export const ROW_DISTANCE = 2;

/** Row order: a shorter name first, then alphabetical (A < … < Z < AA < AB). */
export function compareRows(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A seat of the search: a copy with its row's position (front first), and eligibility after `exclude`. */
interface Cell extends SeatCell {
  rank: number;
}

interface Row {
  /** Position among the map's rows, front first (rows with no free seat count too: they are in the way). */
  rank: number;
  /** number → seat, for the stranding check. */
  byNumber: Map<number, Cell>;
  /** The row's seats that may be chosen, by number. */
  eligible: Cell[];
}

/**
 * Picks `quantity` eligible seats, or null when fewer than `quantity` are eligible.
 * 1. A block of `quantity` consecutive numbers in one row, preferring one that leaves no single free seat
 *    stranded beside it, then the front-most row, then the lowest numbers.
 * 2. Otherwise the seats closest together: the smallest (number span + ROW_DISTANCE × row span), then the
 *    front-most first row, then the lowest first number, then fewer rows.
 */
export function chooseBestSeats(
  seats: SeatCell[],
  quantity: number,
  exclude?: ReadonlySet<number>,
): SeatChoice | null {
  if (!Number.isInteger(quantity) || quantity < 1) throw new RangeError(`quantity ${quantity}`);
  const rows = rowsOf(seats, exclude);
  let eligibleCount = 0;
  for (const row of rows) eligibleCount += row.eligible.length;
  if (eligibleCount < quantity) return null;
  const block = bestBlock(rows, quantity);
  if (block) return { seatIds: block.map((s) => s.id), adjacent: true };
  return { seatIds: closestSeats(rows, quantity).map((s) => s.id), adjacent: false };
}

/** The map by row, front row first; an excluded seat counts as taken. */
function rowsOf(seats: SeatCell[], exclude?: ReadonlySet<number>): Row[] {
  const byName = new Map<string, SeatCell[]>();
  for (const seat of seats) {
    const list = byName.get(seat.row);
    if (list) list.push(seat);
    else byName.set(seat.row, [seat]);
  }
  return [...byName.keys()].sort(compareRows).map((name, rank) => {
    const cells = byName
      .get(name)!
      .map((seat): Cell => {
        const free = seat.free && !(exclude !== undefined && exclude.has(seat.id));
        return { ...seat, rank, free, eligible: free && seat.eligible };
      })
      .sort((a, b) => a.number - b.number);
    return {
      rank,
      byNumber: new Map(cells.map((c) => [c.number, c])),
      eligible: cells.filter((c) => c.eligible),
    };
  });
}

/**
 * Rows are searched front first and each row from its lowest number, so the first block that strands
 * nobody is the answer; the first one that does is kept in case no block avoids it.
 */
function bestBlock(rows: Row[], quantity: number): Cell[] | null {
  let fallback: Cell[] | null = null;
  for (const row of rows) {
    const seats = row.eligible;
    let runStart = 0;
    for (let i = 0; i < seats.length; i += 1) {
      if (i > 0 && seats[i].number !== seats[i - 1].number + 1) runStart = i;
      if (i - runStart + 1 < quantity) continue;
      const first = seats[i - quantity + 1].number;
      if (!strandsASeat(row, first, seats[i].number)) return seats.slice(i - quantity + 1, i + 1);
      fallback ??= seats.slice(i - quantity + 1, i + 1);
    }
  }
  return fallback;
}

/** Taking first..last would leave a free seat beside it whose other neighbour is not free. */
function strandsASeat(row: Row, first: number, last: number): boolean {
  const free = (n: number) => row.byNumber.get(n)?.free === true;
  return (free(first - 1) && !free(first - 2)) || (free(last + 1) && !free(last + 2));
}

/** Compared in order, smaller is better. */
type Key = [distance: number, firstRow: number, firstNumber: number, rowSpan: number];

/**
 * Every window of consecutive rows, narrowest first; within one, the `quantity` seats with the smallest
 * number span (seats sorted by number, a sliding window). Seats that do not reach both edge rows of the
 * window were already weighed in a narrower one. A window height whose row distance plus the narrowest
 * span it allows (each number holds at most one seat a row) exceeds the best so far is skipped, and the
 * search ends once the row distance alone does: after a few rows on any real map.
 */
function closestSeats(rows: Row[], quantity: number): Cell[] {
  let best: { start: number; pool: Cell[]; key: Key } | null = null;
  // pools[top]: the eligible seats of rows top .. top + height - 1 by number, grown a row per height.
  const pools: Cell[][] = rows.map(() => []);
  for (let height = 1; height <= rows.length; height += 1) {
    const rowDistance = ROW_DISTANCE * (height - 1);
    if (best && rowDistance > best.key[0]) break;
    const skip = best !== null && rowDistance + Math.ceil(quantity / height) - 1 > best.key[0];
    for (let top = 0; top + height <= rows.length; top += 1) {
      const bottom = top + height - 1;
      const pool = (pools[top] = mergeByNumber(pools[top], rows[bottom].eligible));
      if (skip || !rows[top].eligible.length || !rows[bottom].eligible.length || pool.length < quantity)
        continue;
      for (let start = 0; start + quantity <= pool.length; start += 1) {
        const span = pool[start + quantity - 1].number - pool[start].number;
        if (best && span + rowDistance > best.key[0]) continue;
        const key = keyOf(pool, start, quantity);
        if (key[3] !== height - 1) continue;
        if (!best || lessThan(key, best.key)) best = { start, pool, key };
      }
    }
  }
  const chosen = best!.pool.slice(best!.start, best!.start + quantity);
  return chosen.sort((a, b) => a.rank - b.rank || a.number - b.number);
}

/** Two runs sorted by (number, rank) as one; `back` is of a row behind every row of `front`. */
function mergeByNumber(front: Cell[], back: Cell[]): Cell[] {
  const out: Cell[] = new Array<Cell>(front.length + back.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < front.length && j < back.length)
    out[k++] = back[j].number < front[i].number ? back[j++] : front[i++];
  while (i < front.length) out[k++] = front[i++];
  while (j < back.length) out[k++] = back[j++];
  return out;
}

/** The key of pool[start .. start + quantity), a run sorted by number. */
function keyOf(pool: Cell[], start: number, quantity: number): Key {
  let minRank = Infinity;
  let maxRank = -Infinity;
  let firstNumber = Infinity;
  for (let i = start; i < start + quantity; i += 1) {
    const { rank, number } = pool[i];
    if (rank < minRank) {
      minRank = rank;
      firstNumber = number;
    } else if (rank === minRank && number < firstNumber) firstNumber = number;
    if (rank > maxRank) maxRank = rank;
  }
  const span = pool[start + quantity - 1].number - pool[start].number;
  return [span + ROW_DISTANCE * (maxRank - minRank), minRank, firstNumber, maxRank - minRank];
}

function lessThan(a: Key, b: Key): boolean {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}
