#!/usr/bin/env node
// The GitHub Action's entry (action.yml runs it with node): reads its inputs from the environment,
// like bin.ts it is a process edge, and never fails the job over a comment.
import { appendFile, readFile } from 'node:fs/promises';
import { publishAuditPack } from './comment.js';

const env = process.env;

async function main(): Promise<void> {
  const packFile = env.STAGEDOCS_PACK_FILE;
  if (!packFile) throw new Error('STAGEDOCS_PACK_FILE is not set');
  const pack = await readFile(packFile, 'utf8');
  const number = Number(env.STAGEDOCS_PR_NUMBER);
  const summaryFile = env.GITHUB_STEP_SUMMARY;
  const result = await publishAuditPack({
    pack,
    token: env.STAGEDOCS_TOKEN,
    fromFork: env.STAGEDOCS_FROM_FORK === 'true',
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    repository: env.GITHUB_REPOSITORY ?? '',
    issueNumber: Number.isInteger(number) && number > 0 ? number : undefined,
    writeSummary: async (markdown) => {
      if (summaryFile) await appendFile(summaryFile, `${markdown}\n`);
      else process.stdout.write(markdown);
    },
  });
  if (result.where === 'comment') process.stdout.write(`stagedocs: audit pack comment ${result.action}: ${result.url}\n`);
  else process.stdout.write(`::notice title=stagedocs audit pack::${workflowData(`written to the job summary: ${result.reason}`)}\n`);
}

/** Workflow command data: `%`, CR and LF escaped so a message cannot start a command of its own. */
function workflowData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

main().catch((error: unknown) => {
  process.stdout.write(`::warning title=stagedocs audit pack::${workflowData(error instanceof Error ? error.message : String(error))}\n`);
});
