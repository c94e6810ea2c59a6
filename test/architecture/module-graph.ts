import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Which unit of the layout a source file belongs to: `modules/<name>`, or a top-level folder of src/. */
export function unitOf(srcRoot: string, file: string): string {
  const parts = relative(srcRoot, file).split(/[\\/]/);
  if (parts.length === 1) return 'app';
  return parts[0] === 'modules' ? `modules/${parts[1]}` : parts[0];
}

/** unit → units it imports, from every relative import of every .ts file under `srcRoot`. */
export function unitGraph(srcRoot: string): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  for (const file of walk(srcRoot)) {
    const from = unitOf(srcRoot, file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const to = unitOf(srcRoot, resolve(dirname(file), spec));
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** Every cycle's path (a → b → … → a), found by depth-first search; empty when the graph is acyclic. */
export function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return found;
}
