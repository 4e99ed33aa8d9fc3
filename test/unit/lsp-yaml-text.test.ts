import { describe, expect, it } from 'vitest';
import { completionSpot, frontmatterOf, nodeAt } from '../../src/lsp/yaml-text.js';

const YAML = `id: P1-S01
kind: stage
depends_on: [P1-S00]
gates:
  - id: tests
    run: npm test
    metric:
      file: x.json
  - id: more
    sev
prod
protected:
  - src/**
  - `;

/** The spot at the end of the given 0-based line. */
const at = (line: number) => completionSpot(YAML, line, YAML.split('\n')[line]!.length);

describe('where the cursor is in YAML', () => {
  it('finds the frontmatter of a markdown document, closed or not', () => {
    expect(frontmatterOf('---\nid: a\n---\n# A\n')).toEqual({ text: 'id: a', firstLine: 1, closingLine: 2 });
    expect(frontmatterOf('---\nid: a\n')).toEqual({ text: 'id: a\n', firstLine: 1 });
    expect(frontmatterOf('# no frontmatter\n')).toBeUndefined();
  });

  it('names the key or value under an offset', () => {
    expect(nodeAt(YAML, YAML.indexOf('kind'))).toMatchObject({ path: ['kind'], on: 'key' });
    expect(nodeAt(YAML, YAML.indexOf('P1-S00'))).toMatchObject({ path: ['depends_on', 0], on: 'value' });
    expect(nodeAt(YAML, YAML.indexOf('npm test'))).toMatchObject({ path: ['gates', 0, 'run'], on: 'value' });
    expect(nodeAt(YAML, YAML.indexOf('file:'))).toMatchObject({ path: ['gates', 0, 'metric', 'file'], on: 'key' });
  });

  it('names the mapping whose keys or the key whose value is being typed', () => {
    expect(at(10)).toEqual({ path: [], on: 'key', prefix: 'prod', present: ['depends_on', 'gates', 'id', 'kind', 'protected'] });
    expect(at(9)).toEqual({ path: ['gates', 0], on: 'key', prefix: 'sev', present: ['id'] });
    expect(at(7)).toMatchObject({ path: ['gates', 0, 'metric', 'file'], on: 'value', prefix: 'x.json' });
    expect(at(5)).toMatchObject({ path: ['gates', 0, 'run'], on: 'value' });
    expect(at(4)).toMatchObject({ path: ['gates', 0, 'id'], on: 'value', prefix: 'tests' });
    expect(completionSpot(YAML, 2, 'depends_on: [P1'.length)).toMatchObject({ path: ['depends_on', 0], on: 'value', prefix: 'P1' });
    expect(at(13)).toMatchObject({ path: ['protected', 0], on: 'value', prefix: '' });
  });
});
