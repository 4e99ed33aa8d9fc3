import { createHash } from 'node:crypto';

/**
 * The one sha256 of recorded content (freeze inputs, reports, registry rows): lowercase hex of the
 * bytes as git stores them. Callers hand it the stored form: git/stored-content.ts resolves it for
 * arbitrary files, `storedTextSha256` for text that stagedocs itself wrote with LF line ends.
 */
export function contentSha256(stored: Uint8Array): string {
  return createHash('sha256').update(stored).digest('hex');
}

/**
 * The sha256 of a file that stagedocs wrote with LF line ends only (report.json), whatever the
 * checkout did to them: `core.autocrlf=true` or `.gitattributes` `eol=crlf` turn its LF into CRLF in
 * the working tree, and git's clean conversion turns them back, so the CRLF pairs are hashed as LF.
 * Such a file never holds a CR of its own (JSON escapes it), so this changes nothing that it says,
 * and a hash recorded on an LF checkout stays valid on every other.
 */
export function storedTextSha256(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!buffer.includes(13)) return contentSha256(buffer);
  return contentSha256(Buffer.from(buffer.toString('latin1').replace(/\r\n/g, '\n'), 'latin1'));
}
