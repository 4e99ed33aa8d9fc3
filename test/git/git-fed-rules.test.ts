import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GIT_FED_RULES } from '../../src/rules/index.js';
import { PROJECT_ROOT } from '../helpers/repo.js';

describe('git-fed rules', () => {
  it.each(GIT_FED_RULES.map((meta) => [meta.id, meta] as const))('%s has a file, a description and a docs page', (id, meta) => {
    expect(existsSync(path.join(PROJECT_ROOT, 'src/rules', `${id}.ts`))).toBe(true);
    expect(meta.description.length).toBeGreaterThan(20);
    const page = readFileSync(path.join(PROJECT_ROOT, 'docs/rules', `${id}.md`), 'utf8');
    expect(page.startsWith(`# ${id}\n`)).toBe(true);
    expect(page).toContain('## How to fix');
  });
});
