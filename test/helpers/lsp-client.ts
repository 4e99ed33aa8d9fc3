import { spawn, type ChildProcess } from 'node:child_process';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-languageserver-protocol/node';
import { PublishDiagnosticsNotification, type Diagnostic, type InitializeParams } from 'vscode-languageserver-protocol';

/** A real LSP client over the stdio of a spawned language server, for tests. */
export interface LspClient {
  connection: MessageConnection;
  child: ChildProcess;
  stderr: () => string;
  /** The next diagnostics published for `uri` that satisfy `until` (the latest already received counts). */
  diagnostics(uri: string, until?: (diagnostics: Diagnostic[]) => boolean, timeoutMs?: number): Promise<Diagnostic[]>;
  /** Resolves with the exit code of the server process. */
  exited: Promise<number | null>;
}

export function startLspClient(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): LspClient {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const latest = new Map<string, Diagnostic[]>();
  const waiting = new Set<() => void>();
  connection.onNotification(PublishDiagnosticsNotification.type, ({ uri, diagnostics }) => {
    latest.set(uri, diagnostics);
    for (const wake of [...waiting]) wake();
  });
  connection.listen();
  return {
    connection,
    child,
    stderr: () => stderr,
    exited,
    diagnostics(uri, until = () => true, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = latest.get(uri);
          if (found && until(found)) {
            waiting.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; last: ${JSON.stringify(latest.get(uri))}\n${stderr}`));
        }, timeoutMs);
        waiting.add(check);
        check();
      });
    },
  };
}

export function initializeParams(rootUri: string): InitializeParams {
  return {
    processId: process.pid,
    rootUri,
    workspaceFolders: [{ uri: rootUri, name: 'repo' }],
    capabilities: {
      textDocument: { hover: { contentFormat: ['markdown'] }, completion: { completionItem: { documentationFormat: ['markdown'] } }, publishDiagnostics: { codeDescriptionSupport: true } },
      workspace: {},
    },
  };
}
