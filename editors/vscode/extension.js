// The whole VS Code side of stagedocs: start `stagedocs lsp` for the workspace and hand it the
// phases, stages, decision notes, freeze files and the configuration. Everything else is the server's.
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

async function activate(context) {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const [command, ...args] = vscode.workspace.getConfiguration('stagedocs').get('command');
  client = new LanguageClient(
    'stagedocs',
    'stagedocs',
    // TransportKind.stdio adds `--stdio`, which `stagedocs lsp` accepts.
    { command, args, transport: TransportKind.stdio, options: { cwd: folder?.uri.fsPath, shell: process.platform === 'win32' } },
    {
      documentSelector: [
        { scheme: 'file', language: 'markdown' },
        { scheme: 'file', pattern: '**/*.freeze.json' },
        { scheme: 'file', pattern: '**/stagedocs.config.{yaml,yml,json}' },
      ],
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.md,*.freeze.json,stagedocs.config.*}') },
    },
  );
  context.subscriptions.push(client);
  await client.start();
}

function deactivate() {
  return client?.stop();
}

module.exports = { activate, deactivate };
