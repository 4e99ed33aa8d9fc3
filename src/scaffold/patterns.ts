import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { validatorFor } from '../model/ajv.js';
import { placeOf, type GateSpec, type Maturity } from '../model/documents.js';
import { StagedocsError, UsageError, EXIT_USAGE } from '../model/errors.js';
import { describeSchemaError } from '../model/schema-errors.js';
import { described } from '../model/schema-docs.js';
import type { ApprovalsSpec } from '../model/approvals.js';
import { approvalsSchema, gateSchema, maturitySchema, productionGateSchema } from '../model/schemas.js';
import { ID_PATTERN } from '../model/ids.js';
import { normalizeText } from '../util/text.js';
import { parseYaml } from '../parse/yaml.js';
import { BUILTIN_TEMPLATES_DIR } from '../render/templates.js';

/** Folder of patterns inside a templates folder (the package's, or the repository's override). */
const PATTERNS_FOLDER = 'patterns';
const PATTERN_EXTENSION = '.yaml';
const PATTERN_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** One stage of a pattern, as its author writes it (docs/patterns.md). */
export interface PatternStage {
  slug: string;
  title: string;
  estimate: number;
  freeze?: 'required';
  requires_decision?: 'accepted';
  decisions_resolved?: 'all';
  /** The globs `stagedocs freeze` is suggested with after new-phase (`--input` each). */
  freeze_inputs?: string[];
  objectives: string[];
  deliverables: string[];
  acceptance?: string[];
  /** The stage's own gates; a stage held to contracts may have none. */
  gates?: GateSpec[];
  contracts?: string[];
  produces?: string[];
  protected?: string[];
  /** The quorum of approvers its sign-off needs (`approvals` of the stage). */
  approvals?: ApprovalsSpec;
  audit?: string[];
  /** What the stage changes and what could go wrong: its Expected Impact and Risk section. */
  impact?: string;
  rollback: string;
  open_questions?: string[];
}

export interface Pattern {
  name: string;
  /** Where it was read from, for messages: `templates/patterns/x.yaml` or `built-in x`. */
  source: string;
  description: string;
  phase: { title: string; goal: string; exit: string[]; readiness?: { maturity: Maturity; production_gate: 'allowed' | 'disallowed' }; contracts?: string[] };
  stages: PatternStage[];
}

const text = { type: 'string', minLength: 1 } as const;
const textList = { type: 'array', items: text } as const;
const idList = { type: 'array', items: { type: 'string', pattern: ID_PATTERN }, uniqueItems: true } as const;
const slug = { type: 'string', pattern: '^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$' } as const;

/** The pattern file format. Strict: an unknown key is a typo, not an extension. */
export const patternSchema = {
  type: 'object',
  required: ['description', 'phase', 'stages'],
  properties: {
    description: described(text, 'What the pattern is for, shown by `stagedocs new-phase --help`.'),
    phase: described(
      {
        type: 'object',
        required: ['title', 'goal', 'exit'],
        properties: {
          title: described(text, 'The title of the scaffolded phase.'),
          goal: described(text, 'The Goal section of the phase.'),
          exit: described({ ...textList, minItems: 1 }, 'The exit definition of the phase (its exit.criteria and Exit Definition section).'),
          readiness: described(
            {
              type: 'object',
              required: ['maturity', 'production_gate'],
              properties: {
                maturity: maturitySchema,
                production_gate: productionGateSchema,
              },
              additionalProperties: false,
            },
            "The scaffolded phase's readiness (default: prototype, production disallowed).",
          ),
          contracts: described(idList, "The outcome contracts every stage of the scaffolded phase is held to (the phase's `contracts:`, docs/contracts.md).", { examples: [['implementation']] }),
        },
        additionalProperties: false,
      },
      'The phase the pattern scaffolds.',
    ),
    stages: described(
      {
        type: 'array',
        maxItems: 100,
        items: {
          type: 'object',
          required: ['slug', 'title', 'estimate', 'objectives', 'deliverables', 'rollback'],
          properties: {
            slug: described(slug, 'The file name of the stage after its number: lowercase letters, digits and dashes.', { examples: ['primary-api'] }),
            title: described(text, "The stage's title."),
            estimate: described({ type: 'number', exclusiveMinimum: 0, maximum: 4 }, 'The estimate in hours, at most 4.'),
            freeze: described({ const: 'required' }, 'The stage must be frozen before its gates run.'),
            requires_decision: described({ const: 'accepted' }, "The stage's `decision:` must name an accepted decision note before it is done (rule decision-unresolved)."),
            decisions_resolved: described({ const: 'all' }, 'Every decision note whose `stages` names the stage must be resolved (not `proposed`) before the stage is done (rule decision-unresolved).'),
            freeze_inputs: described(
              { ...textList, minItems: 1 },
              'The globs of the files the stage freezes: `new-phase` suggests `stagedocs freeze <stage> --input <glob>` with each of them.',
              { examples: [['config/**']] },
            ),
            objectives: described({ ...textList, minItems: 1 }, 'The items of the Objectives section.'),
            deliverables: described({ ...textList, minItems: 1 }, 'The items of the Deliverables section.'),
            acceptance: described(textList, 'The items of the Acceptance Criteria section, besides the gates.'),
            gates: described({ type: 'array', items: gateSchema }, "The stage's gates, copied into the stage with every field as written; {stage}, {phase}, {slug} and {freeze} are replaced. A stage needs gates or contracts (rule objective-gate)."),
            contracts: described(idList, "The outcome contracts the scaffolded stage is held to (its `contracts:`), besides its phase's.", { examples: [['testing']] }),
            produces: described(textList, 'Files the stage must produce.'),
            protected: described(textList, 'Paths commits may not change while the stage is open.'),
            approvals: approvalsSchema,
            audit: described(textList, 'The items of the Audit & Review Steps section.'),
            impact: described(text, 'The Expected Impact and Risk section: what the stage changes for its users and what could go wrong.'),
            rollback: described(text, 'The Rollback Plan section.'),
            open_questions: described(textList, 'Questions left open, listed in the stage.'),
          },
          additionalProperties: false,
        },
      },
      'The stages the pattern scaffolds, in order.',
    ),
  },
  additionalProperties: false,
} as const;

/** Names of every pattern available in a repository: built-in ones and the repository's own, sorted. */
export async function availablePatterns(root: string, templatesDir: string): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of [path.join(BUILTIN_TEMPLATES_DIR, PATTERNS_FOLDER), path.join(root, templatesDir, PATTERNS_FOLDER)]) {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const name = entry.slice(0, -PATTERN_EXTENSION.length);
      if (entry.endsWith(PATTERN_EXTENSION) && PATTERN_NAME.test(name)) names.add(name);
    }
  }
  return [...names].sort();
}

/**
 * Loads a pattern by name: the repository's `templates/patterns/<name>.yaml` overrides the built-in
 * one. An unknown name is a usage error listing what exists; a malformed file names its line and column.
 */
export async function loadPattern(root: string, templatesDir: string, name: string): Promise<Pattern> {
  const available = await availablePatterns(root, templatesDir);
  if (!PATTERN_NAME.test(name) || !available.includes(name)) {
    throw new UsageError(
      `Unknown pattern \`${name}\`, expected one of ${available.map((n) => `\`${n}\``).join(', ')}`,
      `Pick one of them, or add your own as ${path.posix.join(templatesDir, PATTERNS_FOLDER, `${PATTERN_NAME.test(name) ? name : 'my-pattern'}${PATTERN_EXTENSION}`)} (see docs/patterns.md).`,
    );
  }
  const own = path.join(root, templatesDir, PATTERNS_FOLDER, `${name}${PATTERN_EXTENSION}`);
  let source = path.posix.join(templatesDir, PATTERNS_FOLDER, `${name}${PATTERN_EXTENSION}`);
  let raw: string;
  try {
    raw = await readFile(own, 'utf8');
  } catch {
    source = `built-in pattern ${name}`;
    raw = await readFile(path.join(BUILTIN_TEMPLATES_DIR, PATTERNS_FOLDER, `${name}${PATTERN_EXTENSION}`), 'utf8');
  }
  return { name, source, ...parsePattern(source, raw) };
}

/** Parses and checks a pattern file's text. Pure. */
function parsePattern(source: string, raw: string): Omit<Pattern, 'name' | 'source'> {
  const parsed = parseYaml(normalizeText(raw), 1);
  const problem = parsed.problems[0];
  if (problem) throw patternError(source, problem.line, problem.column, problem.message, problem.hint);
  const validate = validatorFor(patternSchema);
  if (!validate(parsed.data)) {
    const described = describeSchemaError(validate.errors![0]!, parsed.data);
    const at = placeOf({ positions: parsed.positions, dataStart: { line: 1, column: 1 } }, described.pointer, described.atKey ? 'key' : 'value');
    throw patternError(source, at.line, at.column, described.message, described.hint);
  }
  const pattern = parsed.data as Omit<Pattern, 'name' | 'source'>;
  const seen = new Set<string>();
  pattern.stages.forEach((stage, index) => {
    if (seen.has(stage.slug)) {
      const at = placeOf({ positions: parsed.positions, dataStart: { line: 1, column: 1 } }, `/stages/${index}/slug`);
      throw patternError(source, at.line, at.column, `Stage slug \`${stage.slug}\` appears twice`, 'Give each stage its own slug.');
    }
    seen.add(stage.slug);
  });
  return pattern;
}

function patternError(source: string, line: number, column: number, message: string, hint?: string): StagedocsError {
  return new StagedocsError(`${source}:${line}:${column}: ${message}`, EXIT_USAGE, hint ?? 'See docs/patterns.md for the pattern format.');
}

/** What the placeholders of a pattern stand for: the stage id, the phase id, the phase's folder name and `paths.freeze`. */
export interface PatternTokens {
  stage: string;
  phase: string;
  slug: string;
  /** The freeze folder of the configuration (`paths.freeze`), without a trailing slash. */
  freeze: string;
}

/** Replaces `{stage}`, `{phase}`, `{slug}` and `{freeze}` in every string of a value (a pattern stage). */
export function substituteTokens<T>(value: T, tokens: PatternTokens): T {
  if (typeof value === 'string') return value.replace(/\{(stage|phase|slug|freeze)\}/g, (_match, key: keyof PatternTokens) => tokens[key]) as T;
  if (Array.isArray(value)) return value.map((item) => substituteTokens(item, tokens)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substituteTokens(item, tokens)])) as T;
  }
  return value;
}
