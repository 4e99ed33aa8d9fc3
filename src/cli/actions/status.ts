import { colorsFor } from '../../format/colors.js';
import { buildStatus } from '../../audit/status.js';
import { signOffTags, workspaceOf } from '../../audit/workspace.js';
import { loadRepository } from '../../engine/load-repository.js';
import { formatStatusMarkdown, formatStatusTable } from '../../format/status.js';
import { EXIT_OK } from '../../model/errors.js';
import type { StatusFlags } from '../commands/status.js';
import { findRoot, workingDirectory } from '../context.js';
import { type CliIo } from '../io.js';

export async function statusAction(flags: StatusFlags, io: CliIo): Promise<number> {
  const root = findRoot(workingDirectory(io, flags.cwd));
  const workspace = workspaceOf(await loadRepository(root, { evidence: 'read' }));
  // Sign-off tags need git; without a repository there are none and the status is still worth showing.
  const tags = await signOffTags(root, workspace.config, io.env);
  const report = buildStatus({ model: workspace.model, runs: workspace.runs, tags: new Map(tags.map((tag) => [tag.name, tag])), errorsByFile: workspace.errorsByFile });
  if (flags.format === 'json') {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (flags.format === 'md') {
    io.stdout.write(formatStatusMarkdown(report));
  } else {
    const colors = colorsFor(io.stdout, io.env);
    // The bar is for people at a terminal (it is not colour, so NO_COLOR keeps it); FORCE_COLOR asks for the terminal look.
    io.stdout.write(formatStatusTable(report, colors, io.stdout.isTTY || colors.isColorSupported));
  }
  return EXIT_OK;
}
