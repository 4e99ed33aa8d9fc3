// Removes the last build before `npm run build` writes the next one: a module renamed or deleted in
// src/ would otherwise linger in dist/ and ship in the package.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
