import { loadConfig } from '../../src/engine/config.js';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { workingTreeSource } from '../../src/engine/source.js';
import { validateRepository } from '../../src/engine/validate.js';
import { resolveLink } from '../../src/rules/broken-link.js';
import { phase, stage, validTree } from '../helpers/documents.js';
import { makeRepo } from '../helpers/repo.js';

/** What a link target resolves to by the book: joined to the document's folder, then normalised. */
function byTheBook(folder: string, target: string): string {
  return target.startsWith('/') ? path.posix.normalize(target.slice(1)) : path.posix.normalize(path.posix.join(folder, target));
}

describe('broken-link target resolution', () => {
  it('resolves plain targets without normalising, and gives what joining and normalising gives for every target', () => {
    const segment = fc.constantFrom('', '.', '..', '...', '.hidden', 'phase.md', 'a b', 'x..y', 'docs', '%2e', '\\');
    const target = fc.array(segment, { minLength: 1, maxLength: 5 }).map((segments) => segments.join('/'));
    const folder = fc.constantFrom('.', 'stages', 'stages/0001-phase-1', 'decisions/2026');
    fc.assert(
      fc.property(folder, target, (from, to) => {
        expect(resolveLink(from, to)).toBe(byTheBook(from, to));
      }),
      { numRuns: 2000 },
    );
    expect(resolveLink('stages/p1', 'phase.md')).toBe('stages/p1/phase.md');
    expect(resolveLink('stages/p1', '../../../x.md')).toBe('../x.md');
    expect(resolveLink('.', 'docs/api.md')).toBe('docs/api.md');
  });

  it('reports a target on every link to it, in every document of a folder and from other folders', async () => {
    const withLinks = (text: string, links: string) => text.replace('## Objectives\n', `## Objectives\n${links}\n`);
    const tree = validTree();
    tree['stages/mvp/00-foundation.md'] = withLinks(tree['stages/mvp/00-foundation.md']!, '[a](gone.md) [b](phase.md) [c](gone.md)');
    tree['stages/mvp/01-skeleton.md'] = withLinks(tree['stages/mvp/01-skeleton.md']!, '[a](gone.md) [d](../other/gone.md)');
    tree['stages/other/phase.md'] = phase({ id: 'P2' });
    tree['stages/other/00-x.md'] = withLinks(stage({ id: 'P2-S00', order: 0 }).replace('phase: P1', 'phase: P2'), '[a](gone.md) [b](phase.md) [e](../mvp/gone.md)');
    const root = makeRepo(tree);
    const { config, hash } = await loadConfig(root);
    const result = await validateRepository({ root, config, configHash: hash, toolVersion: 'test', source: workingTreeSource(root, config), cacheDir: undefined });
    const found = result.diagnostics.filter((d) => d.ruleId === 'broken-link').map((d) => `${d.file}:${d.line}:${d.column} ${d.message}`);
    expect(found).toEqual([
      expect.stringMatching(/^stages\/mvp\/00-foundation\.md:\d+:1 Link target `gone.md` does not exist \(resolved to `stages\/mvp\/gone.md`\)$/),
      expect.stringMatching(/^stages\/mvp\/00-foundation\.md:\d+:28 Link target `gone.md` does not exist \(resolved to `stages\/mvp\/gone.md`\)$/),
      expect.stringMatching(/^stages\/mvp\/01-skeleton\.md:\d+:1 Link target `gone.md` does not exist \(resolved to `stages\/mvp\/gone.md`\)$/),
      expect.stringMatching(/^stages\/mvp\/01-skeleton\.md:\d+:14 Link target `..\/other\/gone.md` does not exist \(resolved to `stages\/other\/gone.md`\)$/),
      expect.stringMatching(/^stages\/other\/00-x\.md:\d+:1 Link target `gone.md` does not exist \(resolved to `stages\/other\/gone.md`\)$/),
      expect.stringMatching(/^stages\/other\/00-x\.md:\d+:28 Link target `..\/mvp\/gone.md` does not exist \(resolved to `stages\/mvp\/gone.md`\)$/),
    ]);
  });
});
