import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../model/config.js';
import type { DocumentKind } from '../model/documents.js';
import { isDocumentPath, kindFromPath, workingTreeSource } from '../engine/source.js';
import { frontmatterOf } from './yaml-text.js';

/** An id a document declares, for completion and hover on references. */
interface KnownId {
  id: string;
  kind: 'phase' | 'stage' | 'decision';
  title?: string;
  file: string;
}

/**
 * The ids of phases, stages and decision notes of a repository, by file: read once from the
 * frontmatter lines (`id:`, `decision_tag:`, `kind:`, `title:`) of every document, then kept up to
 * date from the editor's text and from files that change on disk. Cheap on purpose: no YAML
 * parse, no model; a wrong id here only means a worse suggestion, validation is what decides.
 */
export class KnownIds {
  private readonly byFile = new Map<string, KnownId>();

  private constructor(
    private readonly root: string,
    private readonly config: Config,
  ) {}

  static async load(root: string, config: Config): Promise<KnownIds> {
    const ids = new KnownIds(root, config);
    for (const file of await workingTreeSource(root, config).list()) ids.refresh(file);
    return ids;
  }

  /** Re-reads one file from disk (or forgets it when it is gone). */
  refresh(file: string): void {
    let text: string;
    try {
      text = readFileSync(path.join(this.root, file), 'utf8');
    } catch {
      this.byFile.delete(file);
      return;
    }
    this.update(file, text);
  }

  /** Takes a document's current text (the editor's, unsaved). */
  update(file: string, text: string): void {
    const kind = isDocumentPath(file, this.config) ? kindFromPath(file, this.config) : undefined;
    const found = kind && kind !== 'freeze' && kind !== 'contract' ? declared(kind, text) : undefined;
    if (found) this.byFile.set(file, { ...found, file });
    else this.byFile.delete(file);
  }

  of(kind: KnownId['kind']): KnownId[] {
    return [...this.byFile.values()].filter((known) => known.kind === kind).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  find(kind: KnownId['kind'], id: string): KnownId | undefined {
    for (const known of this.byFile.values()) if (known.kind === kind && known.id === id) return known;
    return undefined;
  }
}

function declared(pathKind: Exclude<DocumentKind, 'freeze' | 'contract'>, text: string): Omit<KnownId, 'file'> | undefined {
  const region = frontmatterOf(text);
  if (!region) return undefined;
  const fields: Record<string, string> = {};
  for (const line of region.text.split('\n')) {
    const match = /^(id|decision_tag|kind|title):\s*(.*?)\s*$/.exec(line);
    if (match) fields[match[1]!] = match[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  const kind = (['phase', 'stage', 'decision'] as const).find((candidate) => candidate === fields.kind) ?? pathKind;
  const id = kind === 'decision' ? fields.decision_tag : fields.id;
  if (!id) return undefined;
  return fields.title ? { id, kind, title: fields.title } : { id, kind };
}

/** The kind of id a reference field holds, by document kind and path (`[]` for any list item). */
const REFERENCES: Record<string, KnownId['kind']> = {
  'stage:phase': 'phase',
  'stage:depends_on/[]': 'stage',
  'stage:decision': 'decision',
  'phase:upstream/[]': 'phase',
  'phase:downstream/[]': 'phase',
  'decision:stages/[]': 'stage',
  'decision:supersedes': 'decision',
  'freeze:stage': 'stage',
  'freeze:decision_tag': 'decision',
};

export function referenceKind(kind: string, path: ReadonlyArray<string | number>): KnownId['kind'] | undefined {
  return REFERENCES[`${kind}:${path.map((segment) => (typeof segment === 'number' ? '[]' : segment)).join('/')}`];
}
