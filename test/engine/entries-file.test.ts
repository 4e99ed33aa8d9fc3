import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntriesFileWriter, RangeReader, readMember } from '../../src/engine/entries-file.js';
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

  it('returns the byte range of each member, and a file copied member by member through those ranges is the same file', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 200 }), fc.boolean(), (entries, ahead) => {
        const dir = tempDir();
        const file = path.join(dir, 'cache.json');
        const writer = new EntriesFileWriter(file, { token: 't' });
        const ranges = Object.entries(entries).map(([key, value]) => [key, writer.add(key, value)] as const);
        writer.commit();
        const fd = openSync(file, 'r');
        try {
          const reader = new RangeReader(fd);
          const copy = new EntriesFileWriter(path.join(dir, 'copy.json'), { token: 't' });
          for (const [key, range] of ranges) {
            const found = readMember(reader, key, range, ahead);
            expect(found?.value).toBe(JSON.stringify(entries[key]));
            // Another key at the same range is not that member.
            expect(readMember(reader, `${key}x`, range, ahead)).toBeUndefined();
            expect(copy.addMember(found!.member)).toEqual(range);
          }
          copy.commit();
        } finally {
          closeSync(fd);
        }
        expect(readFileSync(path.join(dir, 'copy.json'), 'utf8')).toBe(readFileSync(file, 'utf8'));
      }),
      { numRuns: 100 },
    );
  });

  it('reads no member past the end of a truncated file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    const writer = new EntriesFileWriter(file, {});
    const first = writer.add('a', { text: 'x'.repeat(100) });
    const second = writer.add('b', { text: 'y'.repeat(100) });
    writer.commit();
    writeFileSync(file, readFileSync(file).subarray(0, second[0] + 10));
    const fd = openSync(file, 'r');
    try {
      const reader = new RangeReader(fd);
      expect(readMember(reader, 'a', first, true)?.value).toBe(JSON.stringify({ text: 'x'.repeat(100) }));
      expect(readMember(reader, 'b', second, true)).toBeUndefined();
      expect(readMember(new RangeReader(fd), 'b', second)).toBeUndefined();
    } finally {
      closeSync(fd);
    }
  });
});
