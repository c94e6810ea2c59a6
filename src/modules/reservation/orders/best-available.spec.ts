import fc from 'fast-check';
import { chooseBestSeats, compareRows, ROW_DISTANCE, SeatCell } from './best-available';

/** Every k-subset of `items`, each in the order of `items`. */
function combinations<T>(items: T[], k: number): T[][] {
  if (k === 0) return [[]];
  return items.flatMap((item, i) => combinations(items.slice(i + 1), k - 1).map((rest) => [item, ...rest]));
}

/**
 * A hand-drawn map, one line a row: `A: . . x o _ .`. Each mark is one seat number, from 1:
 * `.` free and in the zone asked for, `o` free in another zone, `x` taken (held, sold or soft-locked),
 * `_` no seat with that number (an aisle). Seat ids are row position × 100 + number.
 */
function draw(map: string): SeatCell[] {
  return lines(map).flatMap(({ row, marks }, r) =>
    marks.flatMap((mark, i) =>
      mark === '_'
        ? []
        : [{ id: (r + 1) * 100 + i + 1, row, number: i + 1, free: mark !== 'x', eligible: mark === '.' }],
    ),
  );
}

function lines(map: string): { row: string; marks: string[] }[] {
  return map
    .trim()
    .split('\n')
    .map((line) => {
      const [row, rest] = line.split(':');
      return { row: row.trim(), marks: rest.trim().split(/\s+/) };
    });
}

/** The map with the chosen seats drawn as `#`, and whether they are side by side. */
function pick(
  map: string,
  quantity: number,
  exclude?: number[],
): { drawn: string; adjacent: boolean } | null {
  const choice = chooseBestSeats(draw(map), quantity, exclude && new Set(exclude));
  if (!choice) return null;
  const chosen = new Set(choice.seatIds);
  const drawn = lines(map)
    .map(
      ({ row, marks }, r) =>
        `${row}: ${marks.map((m, i) => (chosen.has((r + 1) * 100 + i + 1) ? '#' : m)).join(' ')}`,
    )
    .join('\n');
  return { drawn, adjacent: choice.adjacent };
}

const map = (s: string) => s.trim().replace(/^\s+/gm, '');

describe('chooseBestSeats', () => {
  describe('side by side in one row', () => {
    it('takes the front row and its lowest numbers on an empty hall', () => {
      expect(pick('A: . . . . . .\nB: . . . . . .', 2)).toEqual({
        drawn: map(`A: # # . . . .
                    B: . . . . . .`),
        adjacent: true,
      });
    });

    it('skips a row without enough seats together for the next row that has them', () => {
      expect(pick('A: . x . x . x\nB: x . . . x x', 3)).toEqual({
        drawn: map(`A: . x . x . x
                    B: x # # # x x`),
        adjacent: true,
      });
    });

    it('prefers a block that strands nobody over the front row, and over lower numbers', () => {
      // A: any pair of the three leaves the third alone. B: 1-2 would leave 3 alone, 2-3 leave 1; 5-6 fits.
      expect(
        pick(
          map(`A: x . . . x x x
               B: . . . x . . x`),
          2,
        )!.drawn,
      ).toBe(
        map(`A: x . . . x x x
             B: . . . x # # x`),
      );
    });

    it('counts a free seat of another zone as stranded too', () => {
      // Taking 2-3 would leave the other zone's seat 1 alone between the wall and the fans.
      expect(pick('A: o . . . . x', 2)!.drawn).toBe('A: o . . # # x');
    });

    it('fills a lone gap with a single seat rather than break up a pair', () => {
      expect(pick('A: . . x . x', 1)!.drawn).toBe('A: . . x # x');
    });

    it('strands a seat when every block does, front row first', () => {
      expect(pick('A: x . . . x\nB: x . . . x', 2)).toEqual({
        drawn: map(`A: x # # . x
                    B: x . . . x`),
        adjacent: true,
      });
    });

    it('never counts an aisle (a missing number) as side by side, nor as a seat to strand', () => {
      expect(pick('A: . . _ . .', 3)!.adjacent).toBe(false);
      // Seat 4 beyond the aisle is no neighbour of 2: the pair 1-2 strands nobody.
      expect(pick('A: . . _ . x', 2)!.drawn).toBe('A: # # _ . x');
    });

    it('orders rows by length first: A … Z before AA, whatever order the map lists them in', () => {
      const seats = [
        { id: 1, row: 'AA', number: 1, free: true, eligible: true },
        { id: 2, row: 'AA', number: 2, free: true, eligible: true },
        { id: 3, row: 'B', number: 2, free: true, eligible: true },
        { id: 4, row: 'B', number: 1, free: true, eligible: true },
        { id: 5, row: 'Z', number: 1, free: true, eligible: true },
      ];
      expect(chooseBestSeats(seats, 2)).toEqual({ seatIds: [4, 3], adjacent: true });
      expect(['AB', 'B', 'AA', 'Z', 'A'].sort(compareRows)).toEqual(['A', 'B', 'Z', 'AA', 'AB']);
    });

    it('chooses only in the zone asked for, and never a seat marked eligible but not free', () => {
      expect(pick('A: o o o . .', 2)!.drawn).toBe('A: o o o # #');
      const seats = draw('A: . . .');
      seats[0].free = false; // an inconsistent cell: taken wins
      expect(chooseBestSeats(seats, 2)!.seatIds).toEqual([102, 103]);
    });
  });

  describe('closest together when no row has the seats side by side', () => {
    it('takes a square of two rows over four seats spread along one row', () => {
      expect(
        pick(
          map(`A: . x . x . x .
               B: x . . x x x x
               C: x . . x x x x`),
          4,
        ),
      ).toEqual({
        drawn: map(`A: . x . x . x .
                    B: x # # x x x x
                    C: x # # x x x x`),
        adjacent: false,
      });
    });

    it('counts a row apart like two seats apart; a tie goes to the front row, then to fewer rows', () => {
      // C-2 with C-4 (two apart) ties with B-4 over C-4 (a row apart): B is in front.
      expect(
        pick(
          map(`B: x x x . x x
               C: x . x . x x`),
          2,
        )!.drawn,
      ).toBe(
        map(`B: x x x # x x
             C: x . x # x x`),
      );
      // B-2 with B-4 ties with B-2 over C-2 in distance, front row and first number: one row wins.
      expect(
        pick(
          map(`B: x . x . x x
               C: x . x x x x`),
          2,
        )!.drawn,
      ).toBe(
        map(`B: x # x # x x
             C: x . x x x x`),
      );
    });

    it('counts rows with nothing free as distance, not as nothing', () => {
      // A-1 with C-1 is two rows apart (4); A-1 with A-6 is five seats apart (5).
      expect(
        pick(
          map(`A: . x x x x .
               B: x x x x x x
               C: . x x x x x`),
          2,
        )!.drawn,
      ).toBe(
        map(`A: # x x x x .
             B: x x x x x x
             C: # x x x x x`),
      );
    });

    it('finds the only seats left, however far apart', () => {
      const choice = pick('A: . x x x x x\nB: x x x x x x\nC: x x x x x x\nD: x x x x x .', 2);
      expect(choice).toEqual({
        drawn: 'A: # x x x x x\nB: x x x x x x\nC: x x x x x x\nD: x x x x x #',
        adjacent: false,
      });
    });
  });

  describe('after losing a race', () => {
    it('treats excluded seats as taken: picks again elsewhere, and never strands beside them', () => {
      const first = chooseBestSeats(draw('A: . . . . . .'), 2)!;
      expect(first.seatIds).toEqual([101, 102]);
      // Lost 1-2 to another fan: 3-4 leaves 5-6, a pair, so nobody is stranded.
      expect(pick('A: . . . . . .', 2, first.seatIds)!.drawn).toBe('A: . . # # . .');
      // Lost 1-2 and 5: taking 3-4 leaves 6 alone; no better block exists, so 3-4 it is.
      expect(chooseBestSeats(draw('A: . . . . . .'), 2, new Set([101, 102, 105]))!.seatIds).toEqual([
        103, 104,
      ]);
    });

    it('answers null when fewer than quantity eligible seats are left', () => {
      expect(pick('A: . o x .', 3)).toBeNull();
      expect(pick('A: . . . .', 2, [101, 102, 103])).toBeNull();
      expect(chooseBestSeats([], 1)).toBeNull();
    });

    it('refuses a quantity that is not a positive integer', () => {
      expect(() => chooseBestSeats(draw('A: .'), 0)).toThrow(RangeError);
      expect(() => chooseBestSeats(draw('A: . .'), 1.5)).toThrow(RangeError);
    });
  });

  it('always answers quantity distinct eligible, non-excluded seats, side by side exactly when it says so', () => {
    const cell = fc.constantFrom('.', '.', '.', 'o', 'x', 'x', '_');
    const hall = fc.array(fc.array(cell, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(
        hall,
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 101, max: 612 })),
        (rows, q, ex) => {
          const seats = draw(
            rows.map((marks, r) => `${String.fromCharCode(65 + r)}: ${marks.join(' ')}`).join('\n'),
          );
          const exclude = new Set(ex);
          const choice = chooseBestSeats(seats, q, exclude);
          const eligible = seats.filter((s) => s.eligible && s.free && !exclude.has(s.id));
          if (eligible.length < q) return choice === null;
          const byId = new Map(eligible.map((s) => [s.id, s]));
          const chosen = choice!.seatIds.map((id) => byId.get(id)!);
          const sideBySide =
            chosen.every((s) => s.row === chosen[0].row) &&
            chosen.every((s, i) => i === 0 || s.number === chosen[i - 1].number + 1);
          const anyBlock = eligible.some((s) =>
            Array.from({ length: q }, (_, k) => k).every((k) =>
              eligible.some((t) => t.row === s.row && t.number === s.number + k),
            ),
          );
          return (
            new Set(choice!.seatIds).size === q &&
            chosen.every(Boolean) &&
            choice!.adjacent === sideBySide &&
            choice!.adjacent === anyBlock
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never does worse than trying every choice, on small random halls', () => {
    const cell = fc.constantFrom('.', '.', 'o', 'x', 'x', 'x', '_');
    const hall = fc.array(fc.array(cell, { minLength: 1, maxLength: 7 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(hall, fc.integer({ min: 1, max: 4 }), (rowMarks, q) => {
        const seats = draw(
          rowMarks.map((marks, r) => `${String.fromCharCode(65 + r)}: ${marks.join(' ')}`).join('\n'),
        );
        const choice = chooseBestSeats(seats, q);
        const eligible = seats.filter((s) => s.eligible);
        if (!choice) return eligible.length < q;
        const rank = new Map([...new Set(seats.map((s) => s.row))].sort(compareRows).map((r, k) => [r, k]));
        const free = new Set(seats.filter((s) => s.free).map((s) => `${s.row}-${s.number}`));
        const strands = (c: SeatCell[]) => {
          const taken = new Set(c.map((s) => `${s.row}-${s.number}`));
          const isFree = (row: string, n: number) => free.has(`${row}-${n}`) && !taken.has(`${row}-${n}`);
          const [row, lo, hi] = [c[0].row, c[0].number, c[c.length - 1].number];
          return (
            (isFree(row, lo - 1) && !isFree(row, lo - 2)) || (isFree(row, hi + 1) && !isFree(row, hi + 2))
          );
        };
        const distance = (c: SeatCell[]) => {
          const ns = c.map((s) => s.number);
          const rs = c.map((s) => rank.get(s.row)!);
          return Math.max(...ns) - Math.min(...ns) + ROW_DISTANCE * (Math.max(...rs) - Math.min(...rs));
        };
        const all = combinations(eligible, q);
        const blocks = all.filter((c) =>
          c.every((s, k) => s.row === c[0].row && (k === 0 || s.number === c[k - 1].number + 1)),
        );
        const chosen = choice.seatIds.map((id) => seats.find((s) => s.id === id)!);
        if (blocks.length) return choice.adjacent && strands(chosen) === blocks.every(strands);
        return Math.min(...all.map(distance)) === distance(chosen);
      }),
      { numRuns: 1000 },
    );
  });

  describe('on a 5,000-seat hall (the hot path of quantity orders)', () => {
    const hall = (taken: (row: number, n: number) => boolean) =>
      Array.from({ length: 5000 }, (_, i) => {
        const row = Math.floor(i / 20);
        const free = !taken(row, (i % 20) + 1);
        return {
          id: i + 1,
          row: `R${String(row).padStart(3, '0')}`,
          number: (i % 20) + 1,
          free,
          eligible: free,
        };
      });
    const fastest = (seats: SeatCell[], q: number) => {
      let best = Infinity;
      for (let i = 0; i < 5; i += 1) {
        const t = performance.now();
        chooseBestSeats(seats, q);
        best = Math.min(best, performance.now() - t);
      }
      return best;
    };

    it('answers within a few milliseconds, also when only scattered seats are left', () => {
      // Every other seat taken, and the front 240 rows sold out but a few: the slowest shape we know of.
      const checkerboard = hall((row, n) => row < 240 || (row + n) % 2 === 0);
      const almostSold = hall((row, n) => !(n === 1 && row % 25 === 0) && !(n === 20 && row % 31 === 0));
      expect(chooseBestSeats(checkerboard, 4)!.adjacent).toBe(false);
      expect(chooseBestSeats(almostSold, 4)!.adjacent).toBe(false);
      // Generous bounds for a loaded 2-core machine; measured a few ms at most (bench/RESULTS.md has figures).
      expect(
        fastest(
          hall(() => false),
          4,
        ),
      ).toBeLessThan(50);
      expect(fastest(checkerboard, 4)).toBeLessThan(50);
      expect(fastest(almostSold, 4)).toBeLessThan(50);
    });
  });
});
