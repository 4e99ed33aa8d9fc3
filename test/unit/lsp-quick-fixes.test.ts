import { describe, expect, it } from 'vitest';
import { fixesFor, tokenEnd } from '../../src/lsp/quick-fixes.js';
import { hoverMarkdown, keysOf, schemaAt, schemaOf, valuesOf } from '../../src/lsp/schema-help.js';

const SECTIONS = ['Objectives', 'Deliverables', 'Rollback Plan'];
const span = (line: number, start: number, end: number) => ({ start: { line, character: start }, end: { line, character: end } });

describe('the quick fixes of the language server', () => {
  it('underlines the token a diagnostic starts at', () => {
    expect(tokenEnd('estimat: 2', 0)).toBe(7);
    expect(tokenEnd('owner: 1.10 # why', 7)).toBe(11);
    expect(tokenEnd('depends_on: [P1-S09, P1-S01]', 13)).toBe(19);
    expect(tokenEnd('title: "a: b"', 7)).toBe(13);
    expect(tokenEnd('# P1-S01', 0)).toBe(8);
    expect(tokenEnd('', 0)).toBe(0);
  });

  it('does what the hint says, and nothing without a hint', () => {
    const text = 'status: don\n';
    expect(fixesFor(text, { range: span(0, 8, 11), ruleId: 'frontmatter-schema', message: '`status` is `don`', hint: 'Did you mean `done`?' }, [])).toEqual([
      { title: 'Change to `done`', range: span(0, 8, 11), newText: 'done', preferred: true },
    ]);
    expect(fixesFor(text, { range: span(0, 8, 11), ruleId: 'frontmatter-schema', message: '`status` is `don`' }, [])).toEqual([]);
  });

  it('adds a missing section where the configured order puts it, or at the end', () => {
    const body = '# S\n\n## Objectives\n- a\n\n## Rollback Plan\nRevert.\n';
    const [before] = fixesFor(body, { range: span(0, 0, 3), ruleId: 'required-sections', message: 'Missing required section `Deliverables`' }, SECTIONS);
    expect(before).toMatchObject({ range: span(5, 0, 0), newText: '## Deliverables\n\n' });
    const [atEnd] = fixesFor('# S\n\n## Objectives\n- a', { range: span(0, 0, 3), ruleId: 'required-sections', message: 'Missing required section `Rollback Plan`' }, SECTIONS);
    expect(atEnd).toMatchObject({ range: span(3, 3, 3), newText: '\n\n## Rollback Plan\n' });
  });
});

describe('the schema help of the language server', () => {
  it('finds the schema of nested keys and explains values', () => {
    const stage = schemaOf('stage');
    expect(schemaAt(stage, ['gates', 0, 'metric', 'min'])?.description).toBe('The lowest value that passes (inclusive).');
    expect(schemaAt(stage, ['x-team'])?.description).toContain('never checked');
    expect(schemaAt(stage, ['nonsense'])).toBeUndefined();
    expect(valuesOf(schemaAt(stage, ['gates', 0, 'severity'])!).map((v) => v.value)).toEqual(['blocking', 'warning']);
    expect(hoverMarkdown(stage, ['gates', 0, 'timeout'])).toContain('Example: `120`');
  });

  it('knows every rule and its options in the configuration', () => {
    const config = schemaOf('config');
    expect(keysOf(schemaAt(config, ['rules'])!).map(([key]) => key)).toContain('stage-size');
    expect(keysOf(schemaAt(config, ['rules', 'stage-size'])!).map(([key]) => key)).toEqual(['severity', 'max_hours']);
    expect(valuesOf(schemaAt(config, ['rules', 'stage-size'])!).map((v) => v.value)).toEqual(['off', 'warn', 'error']);
  });
});
