import { placeOf } from '../model/documents.js';
import { dependenciesOf, type Typed } from '../model/repository.js';
import { repositoryRule } from './types.js';

export const dependencyCycle = repositoryRule(
  {
    id: 'dependency-cycle',
    description: 'Stage dependencies (`depends_on`) and phase order (`upstream`) may not form a cycle: nothing in it could ever start.',
    defaultSeverity: 'error',
  },
  (repo, context) => {
    const report = <T extends { id: string }>(nodes: Array<Typed<T>>, edges: (node: T) => string[], pointer: string, what: string): void => {
      const byId = new Map(nodes.map((node) => [node.data.id, node]));
      const state = new Map<string, 'visiting' | 'done'>();
      const stack: string[] = [];
      const visit = (id: string): void => {
        state.set(id, 'visiting');
        stack.push(id);
        for (const next of edges(byId.get(id)!.data)) {
          if (!byId.has(next)) continue;
          if (state.get(next) === 'visiting') {
            const cycle = [...stack.slice(stack.indexOf(next)), next];
            const first = byId.get(next)!;
            context.report({
              file: first.doc.file,
              ...placeOf(first.doc, pointer, 'key'),
              message: `${what} form a cycle: ${cycle.map((c) => `\`${c}\``).join(' -> ')}`,
              hint: 'Remove one of these dependencies so that the work has a first step.',
            });
          } else if (!state.has(next)) {
            visit(next);
          }
        }
        stack.pop();
        state.set(id, 'done');
      };
      for (const node of nodes) if (!state.has(node.data.id)) visit(node.data.id);
    };
    report(repo.stages, (stage) => dependenciesOf(repo, stage), '/depends_on', 'Stage dependencies');
    report(repo.phases, (phase) => phase.upstream ?? [], '/upstream', 'Phase dependencies');
  },
);
