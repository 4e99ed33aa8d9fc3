import { describe, expect, it } from 'vitest';
import { readDigest, ReadRecorder } from '../../src/engine/read-trace.js';
import { parseDocumentBytes } from '../../src/parse/document.js';
import type { ParsedDocument } from '../../src/model/documents.js';

async function doc(frontmatter: string, body = '# Title\n\nSee [a](./a.md).\n'): Promise<ParsedDocument> {
  return (await parseDocumentBytes('stages/p1/01-a.md', Buffer.from(`---\n${frontmatter}---\n${body}`), { kindHint: 'stage', maxBytes: 1 << 20 })).doc;
}

/** What a read list of a document reading `read` hashes to, for two versions of the document. */
async function digestsOf(read: (doc: ParsedDocument) => unknown, before: string, after: string, bodies: [string?, string?] = []) {
  const recorder = new ReadRecorder();
  const first = await doc(before, bodies[0]);
  read(recorder.watch(first));
  const list = recorder.readsOf(first.file);
  return { list, before: readDigest(first, list, true), after: readDigest(await doc(after, bodies[1]), list, true) };
}

describe('read traces', () => {
  it('records the fields, members and positions read, sorted, absent members included', async () => {
    const recorder = new ReadRecorder();
    const parsed = await doc('id: A\nkind: stage\norder: 1\n');
    const watched = recorder.watch(parsed);
    void watched.data?.order;
    void watched.data?.id;
    void watched.data?.owner;
    void watched.kind;
    void watched.kind;
    void watched.positions['/id'];
    expect(JSON.parse(recorder.readsOf(parsed.file))).toEqual([['data', 'kind', 'positions'], ['id', 'order', 'owner'], ['/id']]);
    expect(JSON.parse(recorder.readsOf('never/watched.md'))).toEqual([[], [], []]);
  });

  it('gives the same values as the document it watches', async () => {
    const parsed = await doc('id: A\nkind: stage\ndepends_on: [B]\n');
    const watched = new ReadRecorder().watch(parsed);
    expect({ ...watched.data }).toEqual(parsed.data);
    expect(watched.links).toEqual(parsed.links);
    expect(watched.sections).toEqual(parsed.sections);
    expect(watched.file).toBe(parsed.file);
    expect('depends_on' in watched.data!).toBe(true);
  });

  it('changes its digest when a value read changes, and only then', async () => {
    const order = (d: ParsedDocument) => d.data?.order;
    const unread = await digestsOf(order, 'id: A\norder: 1\nestimate: 2\n', 'id: A\norder: 1\nestimate: 3\n');
    expect(unread.after).toBe(unread.before);
    const read = await digestsOf(order, 'id: A\norder: 1\n', 'id: A\norder: 2\n');
    expect(read.after).not.toBe(read.before);
  });

  it('depends on an absent member staying absent, and on the names when they were listed', async () => {
    const absent = await digestsOf((d) => d.data?.decision, 'id: A\n', 'id: A\ndecision: D-1\n');
    expect(absent.after).not.toBe(absent.before);
    const asked = await digestsOf((d) => 'decision' in d.data!, 'id: A\n', 'id: A\ndecision: D-1\n');
    expect(asked.after).not.toBe(asked.before);
    const listed = await digestsOf((d) => Object.keys(d.data!), 'id: A\n', 'id: A\nnote: x\n');
    expect(JSON.parse(listed.list)[1]).toContain('*');
    expect(listed.after).not.toBe(listed.before);
    const spread = await digestsOf((d) => ({ ...d.data }), 'id: A\nnote: x\n', 'id: A\nnote: y\n');
    expect(spread.after).not.toBe(spread.before);
  });

  it('depends on fields read whole: links with their places, not the text around them', async () => {
    const links = (d: ParsedDocument) => d.links;
    const moved = await digestsOf(links, 'id: A\n', 'id: A\n', ['# T\n\nSee [a](./a.md).\n', '# T\n\n\nSee [a](./a.md).\n']);
    expect(moved.after).not.toBe(moved.before);
    const text = await digestsOf(links, 'id: A\n', 'id: A\n', ['# T\n\nSee [a](./a.md).\n', '# T\n\nSee [a](./a.md). More.\n']);
    expect(text.after).toBe(text.before);
  });

  it('depends on schema validity, and refuses a read list it did not write', async () => {
    const parsed = await doc('id: A\n');
    const list = new ReadRecorder().readsOf(parsed.file);
    expect(readDigest(parsed, list, true)).not.toBe(readDigest(parsed, list, false));
    expect(readDigest(parsed, 'not a list', true)).toBeUndefined();
    expect(readDigest(parsed, '[[1],[],[]]', true)).toBeUndefined();
  });
});
