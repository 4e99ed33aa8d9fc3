import { placeOf, pointerSegment, type ParsedDocument } from '../model/documents.js';
import type { Finding } from '../model/diagnostic.js';
import { REGISTRY_FILE } from '../model/evidence.js';
import type { RepositoryModel } from '../model/repository.js';
import { describeEscape, globBase, globLexicalEscape, lexicalEscape, type PathEscape } from '../util/inside-root.js';
import { truncate } from '../util/text.js';
import { repositoryRule } from './types.js';

/** A path a document names, with where it is written and what it is for in messages. */
interface NamedPath {
  value: string;
  /** JSON pointer of the value (of the key, for freeze inputs). */
  pointer: string;
  at: 'key' | 'value';
  /** How the message names the field, quoted: `` `produces[0]` ``, ``gate `cov` `metric.file` ``. */
  field: string;
  /** A glob: its base folder is what the file system check resolves. */
  glob: boolean;
}

/** Every path-like field of a stage or freeze file: what stagedocs reads, scans, hashes or protects. */
function namedPaths(doc: ParsedDocument): NamedPath[] {
  const data = doc.data ?? {};
  const found: NamedPath[] = [];
  /** `field` is the label up to the index: ``gate `cov` `include`` gets `[0]` and the closing quote. */
  const list = (value: unknown, pointer: string, field: string, glob: boolean) => {
    if (!Array.isArray(value)) return;
    value.forEach((entry, index) => {
      if (typeof entry === 'string') found.push({ value: entry, pointer: `${pointer}/${index}`, at: 'value', field: `${field}[${index}]\``, glob });
    });
  };
  if (doc.kind === 'stage') {
    list(data.produces, '/produces', '`produces', true);
    list(data.protected, '/protected', '`protected', true);
    const gates = Array.isArray(data.gates) ? (data.gates as unknown[]) : [];
    gates.forEach((gate, index) => {
      if (!gate || typeof gate !== 'object') return;
      const spec = gate as Record<string, unknown>;
      const base = `/gates/${index}`;
      const name = typeof spec.id === 'string' ? `Gate \`${truncate(spec.id, 40)}\`` : `Gate ${index + 1}`;
      const metric = spec.metric as Record<string, unknown> | undefined;
      if (metric && typeof metric === 'object' && typeof metric.file === 'string') {
        found.push({ value: metric.file, pointer: `${base}/metric/file`, at: 'value', field: `${name} \`metric.file\``, glob: false });
      }
      if (typeof spec.document === 'string') found.push({ value: spec.document, pointer: `${base}/document`, at: 'value', field: `${name} \`document\``, glob: false });
      list(spec.include, `${base}/include`, `${name} \`include`, true);
      list(spec.exclude, `${base}/exclude`, `${name} \`exclude`, true);
      list(spec.files, `${base}/files`, `${name} \`files`, true);
      list(spec.tests, `${base}/tests`, `${name} \`tests`, true);
      list(spec.artifacts, `${base}/artifacts`, `${name} \`artifacts`, true);
      if (typeof spec.cwd === 'string') found.push({ value: spec.cwd, pointer: `${base}/cwd`, at: 'value', field: `${name} \`cwd\``, glob: false });
      const coverage = spec.coverage as Record<string, unknown> | undefined;
      if (coverage && typeof coverage === 'object' && typeof coverage.file === 'string') {
        found.push({ value: coverage.file, pointer: `${base}/coverage/file`, at: 'value', field: `${name} \`coverage.file\``, glob: false });
      }
    });
  }
  if (doc.kind === 'freeze' && data.inputs && typeof data.inputs === 'object') {
    for (const input of Object.keys(data.inputs as object)) {
      found.push({ value: input, pointer: `/inputs/${pointerSegment(input)}`, at: 'key', field: 'Frozen input', glob: false });
    }
  }
  return found;
}

/** How to fix an escape: a lexical one by naming another path, a symlink by replacing it. */
function hintFor(escape: PathEscape): string {
  return escape.kind === 'symlink' || escape.kind === 'unresolvable'
    ? `Replace the symlink \`${truncate(escape.link)}\` with the real file or folder, or name a path that does not go through it.`
    : 'Name a path relative to the repository root that stays inside it; copy what the gate needs into the repository.';
}

export const pathInsideRepository = repositoryRule(
  {
    id: 'path-inside-repository',
    description:
      'Every path a stage, freeze file or the configuration names (metric files, globs, documents, produces, protected, freeze inputs, the configured folders) and every symlinked document stays inside the repository: not absolute, no `..` above the root, no symlink out of it.',
    defaultSeverity: 'error',
  },
  (repo, context) => {
    // The lexical half is `globEscape`'s and `lexicalEscape`'s, as `gate run` applies them; the file
    // system half goes through the model, so that the validate cache records every answer.
    const check = (written: string, glob: boolean): PathEscape | undefined => {
      const lexical = glob ? globLexicalEscape(written) : lexicalEscape(written);
      if (lexical || !repo.fileSystem) return lexical;
      const checked = glob ? globBase(written) : written;
      return checked === '' ? undefined : repo.fileSystem.escapeOf(checked);
    };
    // Stages name the same globs over and over (`src/**/*.ts`): each is checked once per run.
    const answers = new Map<string, PathEscape | undefined>();
    const escapeOf = (written: string, glob: boolean): PathEscape | undefined => {
      const key = `${glob ? 'g' : 'p'}${written}`;
      if (answers.has(key)) return answers.get(key);
      const answer = check(written, glob);
      answers.set(key, answer);
      return answer;
    };
    for (const doc of repo.documents) {
      if (doc.kind !== 'stage' && doc.kind !== 'freeze') continue;
      for (const named of namedPaths(doc)) {
        const escape = escapeOf(named.value, named.glob);
        if (!escape) continue;
        context.report({
          file: doc.file,
          ...placeOf(doc, named.pointer, named.at),
          message: `${named.at === 'key' ? `${named.field} \`${truncate(named.value)}\`` : `${named.field} is \`${truncate(named.value)}\`, which`} ${describeEscape(escape)}; expected a path inside the repository`,
          hint: hintFor(escape),
        });
      }
    }
    checkConfiguredFolders(repo, context.report);
    checkLinkedDocuments(repo, context.report);
  },
);

/**
 * The configured folders through the file system (the configuration already refuses absolute and
 * `..` paths): a folder that is a symlink out of the repository would send documents, evidence or
 * templates outside it. Reported at the symlink, the file in the repository that is wrong.
 */
function checkConfiguredFolders(repo: RepositoryModel, report: (finding: Finding) => void): void {
  if (!repo.fileSystem) return;
  const gateResults = repo.config.paths.gate_results.replace(/\\/g, '/').replace(/\/+$/, '');
  const checked: Array<[what: string, path: string, key: string]> = Object.entries(repo.config.paths)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, folder]) => [`The folder \`paths.${key}\` (\`${truncate(folder)}\`)`, folder.replace(/\\/g, '/').replace(/\/+$/, ''), key]);
  checked.push([`The gate registry \`${truncate(`${gateResults}/${REGISTRY_FILE}`)}\``, `${gateResults}/${REGISTRY_FILE}`, 'gate_results']);
  const reported = new Set<string>();
  for (const [what, relativePath, key] of checked) {
    const escape = repo.fileSystem.escapeOf(relativePath);
    if (!escape || escape.kind === 'absolute' || escape.kind === 'parent' || reported.has(escape.link)) continue;
    // The registry under a gate_results link that leaves is the folder's finding, not a second one.
    reported.add(escape.link);
    report({
      file: escape.link,
      line: 1,
      column: 1,
      message: `${what} ${describeEscape(escape)}; expected a ${what.startsWith('The folder') ? 'folder' : 'file'} inside the repository`,
      hint: `Make \`${escape.link}\` a real ${what.startsWith('The folder') ? 'folder' : 'file'} of the repository (stagedocs ${key === 'gate_results' ? 'refuses to write evidence through it' : 'does not read through it'}).`,
    });
  }
}

/** Symlinks where documents are listed: read through (a warning) when inside, never read (an error) when outside. */
function checkLinkedDocuments(repo: RepositoryModel, report: (finding: Finding) => void): void {
  for (const link of repo.fileSystem?.linkedDocuments ?? []) {
    const what = link.folder ? 'folder of documents' : 'document';
    if (link.escape) {
      report({
        file: link.file,
        line: 1,
        column: 1,
        message: `The ${what} \`${truncate(link.file)}\` is a symlink that ${describeEscape(link.escape)}; it was not read, expected a ${link.folder ? 'folder' : 'file'} inside the repository`,
        hint: `Replace the symlink with the real ${link.folder ? 'folder' : 'file'}: documents outside the repository are not part of its record.`,
      });
    } else if (link.dangling) {
      report({
        file: link.file,
        line: 1,
        column: 1,
        message: `The ${what} \`${truncate(link.file)}\` is a symlink to nothing; expected a document`,
        hint: 'Remove the symlink, or point it at the document it stands for.',
      });
    } else {
      report({
        file: link.file,
        line: 1,
        column: 1,
        atMost: 'warning',
        message: `The ${what} \`${truncate(link.file)}\` is a symlink inside the repository; it was read through the link`,
        hint: 'Keep documents as real files: git stores a symlink as its target\'s name, so the pre-commit hook (which reads the index) does not see its content.',
      });
    }
  }
}
