import { runGit, type Env } from './exec.js';

/**
 * Reads many objects with ONE `git cat-file --batch` process: a pre-commit hook over thousands of
 * documents cannot afford a process per file. Returns object id -> bytes; ids git does not have are
 * left out.
 */
export async function readBlobs(cwd: string, ids: readonly string[], env: Env): Promise<Map<string, Buffer>> {
  const unique = [...new Set(ids)];
  const blobs = new Map<string, Buffer>();
  if (unique.length === 0) return blobs;
  for (const id of unique) if (!/^[0-9a-f]{40,64}$/.test(id)) throw new Error(`readBlobs needs full object ids, got \`${id.slice(0, 80)}\``);
  const output = await runGit(cwd, ['cat-file', '--batch', '--buffer'], { env, input: `${unique.join('\n')}\n` });
  let offset = 0;
  while (offset < output.length) {
    const headerEnd = output.indexOf(0x0a, offset);
    if (headerEnd === -1) break;
    const header = output.subarray(offset, headerEnd).toString('utf8');
    offset = headerEnd + 1;
    const [id = '', type, size] = header.split(' ');
    if (type === 'missing' || size === undefined) continue;
    const length = Number(size);
    blobs.set(id, output.subarray(offset, offset + length));
    offset += length + 1; // the content is followed by a newline
  }
  return blobs;
}
