import path from 'node:path';
import { auditPack } from '../../api/audit-pack.js';
import { MIN_MAX_CHARS } from '../../audit/size-limit.js';
import { EXIT_OK, UsageError } from '../../model/errors.js';
import type { AuditPackFlags } from '../commands/audit-pack.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';

export async function auditPackAction(stageIds: string[], flags: AuditPackFlags, io: CliIo): Promise<number> {
  // Flags are checked before anything is read (the refs by the API, first of all).
  if (flags.format === 'md' && flags.maxChars < MIN_MAX_CHARS) {
    throw new UsageError(`--max-chars ${flags.maxChars} is too small`, `Give at least ${MIN_MAX_CHARS}: the header and the list of what was left out must fit.`);
  }
  const located = await commandRoot(io, flags.cwd, 'optional');
  const result = await auditPack({
    root: located,
    env: io.env,
    base: flags.base,
    head: flags.head,
    stages: stageIds,
    linkBase: flags.linkBase,
  });
  for (const note of result.notes) io.stderr.write(`note: ${note}\n`);
  const output = flags.format === 'json' ? `${JSON.stringify(result.pack, null, 2)}\n` : await result.render(flags.maxChars);

  if (flags.out) {
    const { writeAtomic } = await import('../../util/write-atomic.js');
    try {
      await writeAtomic(path.resolve(located.cwd, flags.out), output);
    } catch (error) {
      throw new UsageError(`cannot write --out \`${flags.out}\`: ${(error as Error).message}`, 'Give a file in an existing, writable folder.');
    }
  } else {
    io.stdout.write(output);
  }
  return EXIT_OK;
}
