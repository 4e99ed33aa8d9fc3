#!/bin/sh
# stagedocs gate run P2-S04: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate agent-tests (run, blocking, timeout 1200s)
sh -c 'npx vitest run test/e2e/agents-context-guard.test.ts test/e2e/mcp.test.ts test/e2e/init-agents.test.ts'
