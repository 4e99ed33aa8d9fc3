import { placeOf } from '../model/documents.js';
import { described } from '../model/schema-docs.js';
import { documentRule } from './types.js';

const DEFAULT_MAX_HOURS = 4;

export const stageSize = documentRule(
  {
    id: 'stage-size',
    description: 'A stage should fit in 1-4 hours; a larger estimate suggests splitting it into sub-stages. Option: `max_hours`.',
    defaultSeverity: 'warn',
    kinds: ['stage'],
    options: { max_hours: described({ type: 'number', exclusiveMinimum: 0 }, 'The largest estimate, in hours, a stage may have (default 4).', { examples: [6] }) },
  },
  (doc, context) => {
    const estimate = doc.data?.estimate;
    const max = typeof context.options.max_hours === 'number' ? context.options.max_hours : DEFAULT_MAX_HOURS;
    if (typeof estimate !== 'number' || estimate <= max) return;
    const id = typeof doc.data?.id === 'string' ? doc.data.id : 'P1-S04';
    context.report({
      ...placeOf(doc, '/estimate'),
      message: `Stage is estimated at ${estimate} hours, expected at most ${max}`,
      hint: `Split it into sub-stages such as \`${id}a\` and \`${id}b\`, each with its own gate.`,
    });
  },
);
