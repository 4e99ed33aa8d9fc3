import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntriesFileWriter } from '../../src/engine/entries-file.js';
import { tempDir } from '../helpers/repo.js';

describe('EntriesFileWriter', () => {
  it('writes exactly what JSON.stringify gives for the head and the entries, however large', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 300 }), (head, entries) => {
        const { entries: _ignored, ...members } = head;
        const file = path.join(tempDir(), 'cache.json');
        const writer = new EntriesFileWriter(file, members);
        for (const [key, value] of Object.entries(entries)) writer.add(key, value);
        writer.commit();
        expect(readFileSync(file, 'utf8')).toBe(JSON.stringify({ ...members, entries }));
      }),
      { numRuns: 200 },
    );
  });

  it('leaves the old file in place until commit, and nothing behind on abort', () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    writeFileSync(file, '{"old":true}');
    const writer = new EntriesFileWriter(file, { token: 'x' });
    writer.add('a', 'x'.repeat(200_000));
    expect(readFileSync(file, 'utf8')).toBe('{"old":true}');
    writer.abort();
    writer.abort();
    expect(readdirSync(dir)).toEqual(['cache.json']);

    const second = new EntriesFileWriter(file, { token: 'y' });
    second.add('b', 1);
    second.commit();
    second.abort();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ token: 'y', entries: { b: 1 } });
    expect(readdirSync(dir)).toEqual(['cache.json']);
    expect(existsSync(file)).toBe(true);
  });
});
