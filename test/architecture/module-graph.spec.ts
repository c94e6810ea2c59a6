import { join } from 'node:path';
import { cycles, unitGraph } from './module-graph';

/**
 * The layout's one structural rule: no unit of src/ (a feature module under modules/, or common, infra,
 * database, …) imports a unit that imports it back, directly or through others.
 */
describe('module graph of src/', () => {
  const graph = unitGraph(join(__dirname, '..', '..', 'src'));

  it('has no import cycle between modules', () => {
    expect(cycles(graph).map((c) => c.join(' → '))).toEqual([]);
  });

  it('sees the feature modules and their expected direction', () => {
    expect(graph.get('modules/checkout')!.has('modules/reservation')).toBe(true);
    expect(graph.get('modules/refund')!.has('modules/checkout')).toBe(true);
    expect(graph.get('modules/reservation')!.has('modules/checkout')).toBe(false);
  });

  it('reports a cycle when one exists', () => {
    const cyclic = new Map([
      ['modules/a', new Set(['modules/b'])],
      ['modules/b', new Set(['common', 'modules/a'])],
      ['common', new Set<string>()],
    ]);
    expect(cycles(cyclic).map((c) => c.join(' → '))).toEqual(['modules/a → modules/b → modules/a']);
  });
});
