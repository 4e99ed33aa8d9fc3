import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Protocol from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { ValidationSession } from '../api/validation-session.js';
import { CONFIG_FILES } from '../config/config.js';
import { loadConfig, parseConfig } from '../engine/config.js';
import { isDocumentPath, kindFromPath } from '../engine/source.js';
import type { Env } from '../git/exec.js';
import type { Config } from '../model/config.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { ConfigError } from '../model/errors.js';
import { requiredSectionsOf } from '../model/sections.js';
import { PACKAGE_ROOT } from '../util/version.js';
import { KnownIds, referenceKind } from './known-ids.js';
import { fixesFor, tokenEnd } from './quick-fixes.js';
import { hoverMarkdown, isRequired, keysOf, schemaAt, schemaOf, valuesOf, type HelpKind, type SchemaNode } from './schema-help.js';
import { completionSpot, frontmatterOf, nodeAt, offsetAt, positionAt, type YamlRegion } from './yaml-text.js';

interface ServerOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** What git runs with. */
  env: Env;
  /** The repository root; when absent, the root of the workspace folder the client names. */
  root?: string;
  /** The repository root a folder belongs to, resolved as every command resolves it (`resolveRoot`). */
  rootFor(folder: string): Promise<string>;
  /** Where to start when the client names no workspace folder. */
  cwd: string;
  /** Quiet time after the last edit before validating (default 50 ms). */
  debounceMs?: number;
  /** Quiet time after the last edit before the disk is checked again (default 1,000 ms; then every 5 s while idle). */
  checkDiskMs?: number;
}

/** Most completion items sent at once; the client asks again as the user types (isIncomplete). */
const MAX_ITEMS = 200;

/** How often the disk is checked while nothing happens (the first check comes `checkDiskMs` after the last edit). */
const IDLE_CHECK_MS = 5000;

/**
 * The stagedocs language server: `validate` diagnostics for the open documents as they are typed,
 * hover and completion from the JSON Schemas and the repository's ids, and quick fixes for the
 * mechanical hints. It speaks LSP over the given streams and resolves with the exit code the
 * protocol asks for (0 after shutdown, 1 otherwise) when the client sends exit or closes the input.
 * vscode-languageserver is loaded here, on first use: no other command pays for it.
 */
export async function startServer(options: ServerOptions): Promise<number> {
  const lsp = await import('vscode-languageserver/node');
  const { TextDocument: Documents } = await import('vscode-languageserver-textdocument');
  const connection = lsp.createProtocolConnection(new lsp.StreamMessageReader(options.input), new lsp.StreamMessageWriter(options.output));
  const server = new Server(lsp, Documents, connection, options);
  return server.run();
}

type Lsp = typeof Protocol;
type DocumentFactory = typeof TextDocument;

class Server {
  private root: string;
  private config: Config | undefined;
  private configProblem: ConfigError | undefined;
  private ids: KnownIds | undefined;
  /** The repository as last read from disk, kept in memory: an edit is validated against it. */
  private session: ValidationSession | undefined;
  /** Files a watcher or a save reported changed since the last refresh of the session. */
  private readonly changedOnDisk = new Set<string>();
  /** The next check of the disk when nothing happens. */
  private diskTimer: NodeJS.Timeout | undefined;
  private readonly open = new Map<string, TextDocument>();
  /** Files whose diagnostics were published, so that they can be cleared. */
  private readonly published = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** The next run checks the whole disk first (the configuration, the git inputs and every document's stamp). */
  private checkDisk = false;
  private shutdown = false;
  private ready: Promise<void> | undefined;
  /** Whether the client can be asked to watch files (dynamic registration). */
  private watchSupported = false;

  constructor(
    private readonly lsp: Lsp,
    private readonly documents: DocumentFactory,
    private readonly connection: Protocol.ProtocolConnection,
    private readonly options: ServerOptions,
  ) {
    this.root = options.root ?? options.cwd;
  }

  run(): Promise<number> {
    const { lsp, connection } = this;
    return new Promise<number>((resolve) => {
      let done = false;
      const finish = (code: number) => {
        if (done) return;
        done = true;
        clearTimeout(this.timer);
        clearTimeout(this.diskTimer);
        connection.dispose();
        resolve(code);
      };
      connection.onRequest(lsp.InitializeRequest.type, (params) => this.initialize(params));
      connection.onNotification(lsp.InitializedNotification.type, () => {
        this.ready = this.load();
        void this.ready.then(() => this.watchFiles(), (error: unknown) => this.log(error));
      });
      connection.onRequest(lsp.ShutdownRequest.type, async () => {
        this.shutdown = true;
        clearTimeout(this.timer);
        clearTimeout(this.diskTimer);
        await this.running;
      });
      connection.onNotification(lsp.ExitNotification.type, () => finish(this.shutdown ? 0 : 1));
      connection.onClose(() => finish(this.shutdown ? 0 : 1));
      connection.onNotification(lsp.DidOpenTextDocumentNotification.type, ({ textDocument: d }) => {
        this.open.set(d.uri, this.documents.create(d.uri, d.languageId, d.version, d.text));
        this.changed(d.uri);
      });
      connection.onNotification(lsp.DidChangeTextDocumentNotification.type, ({ textDocument, contentChanges }) => {
        const known = this.open.get(textDocument.uri);
        if (!known) return;
        this.open.set(textDocument.uri, this.documents.update(known, contentChanges, textDocument.version));
        this.changed(textDocument.uri);
      });
      connection.onNotification(lsp.DidCloseTextDocumentNotification.type, ({ textDocument }) => {
        this.open.delete(textDocument.uri);
        const file = this.relative(textDocument.uri);
        if (file) this.ids?.refresh(file);
        this.schedule();
      });
      connection.onNotification(lsp.DidSaveTextDocumentNotification.type, ({ textDocument }) => {
        const file = this.relative(textDocument.uri);
        if (file && CONFIG_FILES.includes(file)) this.ready = this.load();
        else if (file) this.changedOnDisk.add(file);
        this.schedule();
      });
      connection.onNotification(lsp.DidChangeWatchedFilesNotification.type, ({ changes }) => {
        for (const change of changes) {
          const file = this.relative(change.uri);
          if (!file) continue;
          if (CONFIG_FILES.includes(file)) this.ready = this.load();
          else {
            this.changedOnDisk.add(file);
            if (!this.open.has(change.uri)) this.ids?.refresh(file);
          }
        }
        this.schedule();
      });
      connection.onRequest(lsp.HoverRequest.type, (params) => this.safely(() => this.hover(params), null));
      connection.onRequest(lsp.CompletionRequest.type, (params) => this.safely(() => this.complete(params), null));
      connection.onRequest(lsp.CodeActionRequest.type, (params) => this.safely(() => this.codeActions(params), null));
      connection.listen();
    });
  }

  private async initialize(params: Protocol.InitializeParams): Promise<Protocol.InitializeResult> {
    if (!this.options.root) {
      const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
      this.root = await this.options.rootFor(folder?.startsWith('file:') ? fileURLToPath(folder) : this.options.cwd);
    }
    this.watchSupported = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: this.lsp.TextDocumentSyncKind.Incremental, save: true },
        hoverProvider: true,
        completionProvider: { triggerCharacters: [':', ' ', '[', ','] },
        codeActionProvider: { codeActionKinds: [this.lsp.CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'stagedocs' },
    };
  }

  /** Asks the client to report changes of documents and the configuration made outside the editor. */
  private async watchFiles(): Promise<void> {
    if (!this.watchSupported) return;
    const watchers = [{ globPattern: '**/*.md' }, { globPattern: '**/*.freeze.json' }, { globPattern: '**/stagedocs.config.{yaml,yml,json}' }];
    await this.connection.sendRequest(this.lsp.RegistrationRequest.type, {
      registrations: [{ id: 'stagedocs-files', method: this.lsp.DidChangeWatchedFilesNotification.method, registerOptions: { watchers } }],
    });
  }

  /**
   * Loads the configuration, the repository (kept in memory for the edits that follow) and the ids,
   * then validates the open documents.
   */
  private async load(): Promise<void> {
    try {
      this.config = (await loadConfig(this.root)).config;
      this.configProblem = undefined;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.configProblem = error;
    }
    if (this.config) {
      try {
        this.session = await ValidationSession.open({ root: this.root, env: this.options.env });
        this.changedOnDisk.clear();
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        this.configProblem = error;
      }
    }
    if (this.config && !this.ids) this.ids = await KnownIds.load(this.root, this.config);
    for (const [uri, document] of this.open) {
      const file = this.relative(uri);
      if (file) this.ids?.update(file, document.getText());
    }
    this.schedule(0);
  }

  private changed(uri: string): void {
    const file = this.relative(uri);
    const document = this.open.get(uri);
    if (file && document) this.ids?.update(file, document.getText());
    this.schedule();
  }

  private schedule(delay = this.options.debounceMs ?? 50): void {
    if (this.shutdown) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.validateNow(), delay);
    // An edit is coming: the disk check waits until the edits pause again (see validateNow).
    clearTimeout(this.diskTimer);
  }

  /**
   * Edits are validated against the repository in memory; the disk (the configuration, HEAD's history,
   * the evidence, and every document by its stamp) is checked again only once the
   * edits pause, then every few seconds while nothing happens and a document is open, so that typing
   * never waits for it. A check that finds a change validates the open documents again.
   */
  private scheduleDiskCheck(delay: number): void {
    clearTimeout(this.diskTimer);
    if (this.shutdown || this.open.size === 0) return;
    this.diskTimer = setTimeout(() => {
      this.checkDisk = true;
      void this.validateNow();
    }, delay);
    // The checks never keep the process alive: exit and a closed input end it.
    this.diskTimer.unref();
  }

  /** One validation at a time; edits made meanwhile cause one more run after it. */
  private async validateNow(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    const check = this.checkDisk;
    this.running = this.refreshAndPublish().catch((error: unknown) => this.log(error));
    await this.running;
    this.running = undefined;
    if (this.again) {
      this.again = false;
      this.schedule(0);
    } else {
      this.scheduleDiskCheck(check ? IDLE_CHECK_MS : (this.options.checkDiskMs ?? 1000));
    }
  }

  /**
   * Brings the repository in memory up to date with what was reported changed (or, on a disk check,
   * with the whole disk), then publishes the diagnostics of the open documents; a disk check that
   * finds nothing changed publishes nothing.
   */
  private async refreshAndPublish(): Promise<void> {
    await this.ready;
    const full = this.checkDisk;
    this.checkDisk = false;
    const files = [...this.changedOnDisk];
    this.changedOnDisk.clear();
    if (!full && files.length === 0) return this.publishDiagnostics();
    let changed: boolean;
    try {
      if (this.session) {
        // A check of the disk stats every document even with a watching client: watchers can miss
        // changes (a deleted folder is one event that no \`**/*.md\` pattern matches).
        changed = await this.session.refresh(full ? undefined : files);
      } else {
        // No repository in memory: the configuration was invalid when it was read. A check of the disk tries again.
        if (!full) return this.publishDiagnostics();
        this.session = await ValidationSession.open({ root: this.root, env: this.options.env });
        this.ids ??= await KnownIds.load(this.root, this.session.config);
        changed = true;
      }
      changed ||= this.configProblem !== undefined;
      this.configProblem = undefined;
      this.config = this.session.config;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      changed = error.message !== this.configProblem?.message;
      this.configProblem = error;
    }
    if (full && files.length === 0 && !changed) return;
    return this.publishDiagnostics();
  }

  private async publishDiagnostics(): Promise<void> {
    const byFile = new Map<string, Protocol.Diagnostic[]>();
    // The open documents as they are now: diagnostics are published with the version they were computed for.
    // (TextDocument.update changes a document in place: its text and version are copied here.)
    const snapshot = new Map([...this.open].map(([uri, document]) => [uri, { text: document.getText(), version: document.version }]));
    // An open configuration file is checked as it is typed; the documents are validated with the one on disk.
    for (const [uri, document] of snapshot) {
      const file = this.relative(uri);
      if (!file || !CONFIG_FILES.includes(file)) continue;
      try {
        parseConfig(file, document.text);
        byFile.set(file, []);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        byFile.set(file, [this.configDiagnostic(error)]);
      }
    }
    const config = this.config;
    if (this.configProblem || !config) {
      const problem = this.configProblem;
      if (problem && !byFile.get(problem.file)?.length) byFile.set(problem.file, [this.configDiagnostic(problem)]);
    } else {
      const overlay = new Map<string, string>();
      for (const [uri, document] of snapshot) {
        const file = this.relative(uri);
        if (file && isDocumentPath(file, config)) overlay.set(file, document.text);
      }
      if (overlay.size > 0 && this.session) {
        const report = await this.session.validate(overlay);
        for (const file of overlay.keys()) byFile.set(file, []);
        for (const d of report.diagnostics) {
          const text = overlay.get(d.file);
          if (text !== undefined) byFile.get(d.file)!.push(this.toLsp(d, text));
        }
      }
    }
    // The open documents first, then clear what was published before and is no longer there.
    for (const [file, diagnostics] of byFile) this.publish(file, diagnostics, snapshot);
    for (const file of [...this.published]) if (!byFile.has(file)) this.publish(file, [], snapshot);
  }

  private publish(file: string, diagnostics: Protocol.Diagnostic[], snapshot: ReadonlyMap<string, { version: number }>): void {
    const uri = pathToFileURL(path.join(this.root, file)).href;
    const open = [...snapshot.keys()].find((candidate) => this.relative(candidate) === file) ?? uri;
    const version = snapshot.get(open)?.version;
    // Edited meanwhile: the run that follows publishes for the latest version; these would only flicker.
    if (version !== undefined && this.open.has(open) && this.open.get(open)!.version !== version) return;
    if (diagnostics.length > 0) this.published.add(file);
    else this.published.delete(file);
    void this.connection.sendNotification(this.lsp.PublishDiagnosticsNotification.type, { uri: open, diagnostics, ...(version === undefined ? {} : { version }) });
  }

  private toLsp(d: Diagnostic, text: string): Protocol.Diagnostic {
    const lines = text.split('\n');
    const start = { line: d.line - 1, character: d.column - 1 };
    const end =
      d.endLine !== undefined && d.endColumn !== undefined
        ? { line: d.endLine - 1, character: d.endColumn - 1 }
        : { line: start.line, character: tokenEnd(lines[start.line] ?? '', start.character) };
    const diagnostic: Protocol.Diagnostic = {
      range: { start, end },
      severity: d.severity === 'error' ? this.lsp.DiagnosticSeverity.Error : this.lsp.DiagnosticSeverity.Warning,
      code: d.ruleId,
      codeDescription: { href: new URL(`docs/rules/${d.ruleId}.md`, PACKAGE_ROOT).href },
      source: 'stagedocs',
      message: d.hint ? `${d.message}\n${d.hint}` : d.message,
      data: { ruleId: d.ruleId, message: d.message, ...(d.hint ? { hint: d.hint } : {}) },
    };
    return diagnostic;
  }

  private configDiagnostic(error: ConfigError): Protocol.Diagnostic {
    const message = error.message.replace(/^[^:]+:\d+:\d+: /, '');
    const start = { line: Math.max(0, error.line - 1), character: Math.max(0, error.column - 1) };
    return {
      range: { start, end: { line: start.line, character: start.character + 1 } },
      severity: this.lsp.DiagnosticSeverity.Error,
      source: 'stagedocs',
      message: error.hint ? `${message}\n${error.hint}` : message,
    };
  }

  /** The repository-relative path of a file URI inside the root, else undefined. */
  private relative(uri: string): string | undefined {
    if (!uri.startsWith('file:')) return undefined;
    const relative = path.relative(this.root, fileURLToPath(uri));
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
    return relative.split(path.sep).join('/');
  }

  /** The editor help's view of an open document: its kind and its YAML. */
  private helpOf(uri: string): { kind: HelpKind; document: TextDocument; region: YamlRegion; schema: SchemaNode } | undefined {
    const document = this.open.get(uri);
    const file = this.relative(uri);
    if (!document || !file) return undefined;
    const text = document.getText();
    if (CONFIG_FILES.includes(file)) return { kind: 'config', document, region: { text, firstLine: 0 }, schema: schemaOf('config') };
    if (!this.config || !isDocumentPath(file, this.config)) return undefined;
    const kind = declaredKind(text) ?? kindFromPath(file, this.config)!;
    // Freeze files (JSON) and contracts (YAML) are data through and through, not markdown with frontmatter.
    const region = kind === 'freeze' || kind === 'contract' ? { text, firstLine: 0 } : frontmatterOf(text);
    return region ? { kind, document, region, schema: schemaOf(kind) } : undefined;
  }

  private hover(params: Protocol.HoverParams): Protocol.Hover | null {
    const help = this.helpOf(params.textDocument.uri);
    if (!help) return null;
    const { region, schema, kind } = help;
    const line = params.position.line - region.firstLine;
    if (line < 0 || (region.closingLine !== undefined && params.position.line >= region.closingLine)) return null;
    const found = nodeAt(region.text, offsetAt(region.text, line, params.position.character));
    if (!found) return null;
    const valueText = region.text.slice(found.start, found.end).replace(/^(["'])(.*)\1$/, '$2');
    let markdown = hoverMarkdown(schema, found.path, found.on === 'value' ? valueText : undefined);
    const reference = found.on === 'value' ? referenceKind(kind, found.path) : undefined;
    const target = reference ? this.ids?.find(reference, valueText) : undefined;
    if (target) markdown = `**${target.id}**: ${target.title ?? ''} (${reference}, \`${target.file}\`)${markdown ? `\n\n---\n\n${markdown}` : ''}`;
    if (!markdown) return null;
    const start = positionAt(region.text, found.start);
    const end = positionAt(region.text, found.end);
    return {
      contents: { kind: this.lsp.MarkupKind.Markdown, value: markdown },
      range: { start: { line: start.line + region.firstLine, character: start.character }, end: { line: end.line + region.firstLine, character: end.character } },
    };
  }

  private complete(params: Protocol.CompletionParams): Protocol.CompletionList | null {
    const help = this.helpOf(params.textDocument.uri);
    if (!help || help.kind === 'freeze') return null;
    const { region, schema, kind } = help;
    const line = params.position.line - region.firstLine;
    if (line < 0 || (region.closingLine !== undefined && params.position.line >= region.closingLine)) return null;
    const spot = completionSpot(region.text, line, params.position.character);
    if (!spot) return null;
    const replace = { start: { line: params.position.line, character: params.position.character - spot.prefix.length }, end: params.position };
    const matches = (label: string) => label.toLowerCase().includes(spot.prefix.toLowerCase());
    const { CompletionItemKind, MarkupKind } = this.lsp;
    let items: Protocol.CompletionItem[];
    if (spot.on === 'key') {
      const parent = schemaAt(schema, spot.path);
      if (!parent) return null;
      items = keysOf(parent)
        .filter(([key]) => !spot.present.includes(key) && matches(key))
        .map(([key, property]) => ({
          label: key,
          kind: CompletionItemKind.Property,
          detail: isRequired(parent, key) ? 'required' : 'optional',
          documentation: { kind: MarkupKind.Markdown, value: hoverMarkdown(parent, [key]) ?? '' },
          textEdit: { range: replace, newText: property.type === 'array' || property.type === 'object' ? `${key}:` : `${key}: ` },
        }));
    } else {
      const reference = referenceKind(kind, spot.path);
      if (reference) {
        items = (this.ids?.of(reference) ?? [])
          .filter((known) => matches(known.id))
          .map((known) => ({
            label: known.id,
            kind: CompletionItemKind.Reference,
            detail: known.title,
            documentation: known.file,
            textEdit: { range: replace, newText: known.id },
          }));
      } else {
        const node = schemaAt(schema, spot.path);
        items = (node ? valuesOf(node) : [])
          .filter(({ value }) => matches(value))
          .map(({ value, description }) => ({
            label: value,
            kind: CompletionItemKind.EnumMember,
            ...(description ? { documentation: { kind: MarkupKind.Markdown, value: description } } : {}),
            textEdit: { range: replace, newText: value },
          }));
      }
    }
    return { isIncomplete: items.length > MAX_ITEMS, items: items.slice(0, MAX_ITEMS) };
  }

  private codeActions(params: Protocol.CodeActionParams): Protocol.CodeAction[] {
    const document = this.open.get(params.textDocument.uri);
    const file = this.relative(params.textDocument.uri);
    if (!document || !file || !this.config) return [];
    const text = document.getText();
    const kind = kindFromPath(file, this.config);
    const order = kind ? requiredSectionsOf(declaredKind(text) ?? kind, this.config.kinds) : [];
    const actions: Protocol.CodeAction[] = [];
    for (const diagnostic of params.context.diagnostics) {
      if (diagnostic.source !== 'stagedocs') continue;
      const data = diagnostic.data as { ruleId?: string; message?: string; hint?: string } | undefined;
      const fixable = { range: diagnostic.range, ruleId: data?.ruleId ?? String(diagnostic.code ?? ''), message: data?.message ?? (typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value), hint: data?.hint };
      for (const fix of fixesFor(text, fixable, order)) {
        actions.push({
          title: fix.title,
          kind: this.lsp.CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          isPreferred: fix.preferred,
          edit: { changes: { [params.textDocument.uri]: [{ range: fix.range, newText: fix.newText }] } },
        });
      }
    }
    return actions;
  }

  /** A handler that fails answers `fallback` and logs, rather than failing the request: the editor keeps working. */
  private safely<T>(handler: () => T, fallback: T): T {
    try {
      return handler();
    } catch (error) {
      this.log(error);
      return fallback;
    }
  }

  private log(error: unknown): void {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    void this.connection.sendNotification(this.lsp.LogMessageNotification.type, { type: this.lsp.MessageType.Error, message: `stagedocs: ${message}` });
  }
}

/** The kind the frontmatter declares (`kind: stage`), which wins over the one the path implies. */
function declaredKind(text: string): 'phase' | 'stage' | 'decision' | undefined {
  const region = frontmatterOf(text);
  const match = region && /^kind:\s*["']?(phase|stage|decision)["']?\s*$/m.exec(region.text);
  return match ? (match[1] as 'phase' | 'stage' | 'decision') : undefined;
}
