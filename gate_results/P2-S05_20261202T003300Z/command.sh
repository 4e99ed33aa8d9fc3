#!/bin/sh
# stagedocs gate run P2-S05: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate editor-tests (run, blocking, timeout 1200s)
sh -c 'npx vitest run test/e2e/lsp.test.ts test/e2e/neovim.test.ts test/e2e/schema-editor-settings.test.ts test/e2e/yaml-language-server.test.ts test/engine/validation-session.test.ts test/unit/schemas-meta.test.ts test/engine/overlay-source.test.ts'
