// Writes dist/build-fingerprint.txt: a hash of the package version and of every file of the build
// (path and bytes), which keys every cache stagedocs keeps (in the git directory) (see codeFingerprint in src/version.ts).
// Run by `npm run build` last, after every other step that writes into dist/.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const { BUILD_FINGERPRINT_FILE } = await import('../dist/util/version.js');
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const hash = createHash('sha256').update(`${version}\n`);
const files = readdirSync(dist, { recursive: true, encoding: 'utf8', withFileTypes: false })
  .filter((file) => file !== BUILD_FINGERPRINT_FILE && (file.endsWith('.js') || file.endsWith('.cjs')))
  .sort();
for (const file of files) hash.update(`${file}\n`).update(readFileSync(path.join(dist, file)));
const fingerprint = hash.digest('hex').slice(0, 16);
// Written then renamed: a CLI starting meanwhile (tests run the script while others run) reads it whole.
const temporary = path.join(dist, `${BUILD_FINGERPRINT_FILE}.${process.pid}`);
writeFileSync(temporary, `${fingerprint}\n`);
renameSync(temporary, path.join(dist, BUILD_FINGERPRINT_FILE));
console.error(`build fingerprint ${fingerprint} (${files.length} files)`);
