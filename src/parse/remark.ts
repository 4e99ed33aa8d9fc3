import type { Root } from 'mdast';
import remarkFrontmatter from 'remark-frontmatter';
import remarkParse from 'remark-parse';
import { unified } from 'unified';

const processor = unified().use(remarkParse).use(remarkFrontmatter, ['yaml']).freeze();

/** The markdown syntax tree remark reads, frontmatter included: the reference reading of a document. */
export function remarkTree(text: string): Root {
  return processor.parse(text) as Root;
}
