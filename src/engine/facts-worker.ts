// A worker thread of a cold validation: computes the per-file facts of its share of the files.
// The main thread reads the files (the DocumentSource lives there) and sends the bytes.
import { type Config } from '../model/config.js';
import { parentPort, workerData } from 'node:worker_threads';
import { plainDocument } from '../model/documents.js';
import { RULES } from '../rules/index.js';
import type { DocumentRule } from '../rules/types.js';
import { factsOf, type FileFacts } from './facts.js';

interface Share {
  config: Config;
  items: Array<{ file: string; bytes: Uint8Array }>;
}

const { config, items } = workerData as Share;
const documentRules = RULES.filter((rule): rule is DocumentRule => rule.scope === 'document');
const facts: FileFacts[] = [];
for (const { file, bytes } of items) facts.push(await factsOf(file, bytes, config, documentRules));
// A parsed document keeps its places behind a getter, which the message's structured clone would drop.
parentPort?.postMessage(facts.map((fact) => ({ ...fact, doc: plainDocument(fact.doc) })));
