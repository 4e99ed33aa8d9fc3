/**
 * The messages stagedocs writes into its annotated tags (sign-offs, approvals): a headline, a blank
 * line, then one `key: value` a line. Read back here once, for every kind of tag, so that what a tag
 * counts for is judged on the same reading of its text.
 */
export interface TagMessage {
  headline: string;
  /** The `key: value` lines in order (a key may repeat: a phase sign-off lists each stage tag). */
  fields: Array<[key: string, value: string]>;
}

/**
 * A tag message in that shape; undefined when it is not. A signed tag keeps its signature at the end
 * of its contents, and what it signs is the text before it, so the signature is not read as fields.
 */
export function readTagMessage(message: string): TagMessage | undefined {
  const text = message.replace(/\r\n/g, '\n');
  const signature = /^-----BEGIN (?:PGP|SSH) SIGNATURE-----$/m.exec(text);
  const lines = (signature ? text.slice(0, signature.index) : text).replace(/\n+$/, '\n').split('\n');
  if (lines[1] !== '') return undefined;
  const fields: Array<[string, string]> = [];
  for (const line of lines.slice(2)) {
    if (line === '') continue;
    const at = line.indexOf(': ');
    if (at <= 0) return undefined;
    fields.push([line.slice(0, at), line.slice(at + 2)]);
  }
  return { headline: lines[0] ?? '', fields };
}

/** The one value of a key; undefined when it is absent or given more than once (the message would say two things). */
export function singleField(message: TagMessage, key: string): string | undefined {
  const values = message.fields.filter(([name]) => name === key);
  return values.length === 1 ? values[0]![1] : undefined;
}
