import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_PACK_MARKER, commentBody, MAX_COMMENT_CHARS, nextLink, publishAuditPack } from '../../src/github/comment.js';
import { tempDir } from '../helpers/repo.js';

interface Comment {
  id: number;
  body: string;
  html_url: string;
  user: { login: string };
}

/**
 * A small stand-in for the GitHub REST API's issue comments on 127.0.0.1: list (paginated with a
 * Link header), create and update, bearer-token checks, 403 for a read-only token, 404 for an unknown
 * repository. Records every request so tests can assert what was sent.
 */
class FakeGithub {
  comments: Comment[] = [];
  requests: Array<{ method: string; url: string; authorization: string | undefined }> = [];
  nextId = 1000;
  readonly server: Server;
  constructor(
    private readonly tokens: { write: string[]; read: string[] },
    private readonly perPageLimit = 100,
  ) {
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    this.requests.push({ method: request.method ?? '', url: `${url.pathname}${url.search}`, authorization: request.headers.authorization });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
    const canRead = this.tokens.read.includes(token) || this.tokens.write.includes(token);
    if (!canRead) return send(401, { message: 'Bad credentials' });
    const list = /^\/repos\/octo\/repo\/issues\/7\/comments$/.exec(url.pathname);
    const update = /^\/repos\/octo\/repo\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (!url.pathname.startsWith('/repos/octo/repo/')) return send(404, { message: 'Not Found' });
    if (list && request.method === 'GET') {
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), this.perPageLimit);
      const page = Number(url.searchParams.get('page') ?? 1);
      const items = this.comments.slice((page - 1) * perPage, page * perPage);
      const more = page * perPage < this.comments.length;
      const base = `http://${request.headers.host}${url.pathname}`;
      return send(200, items, more ? { link: `<${base}?per_page=${perPage}&page=${page + 1}>; rel="next", <${base}?per_page=${perPage}&page=99>; rel="last"` } : {});
    }
    const body = await readBody(request);
    if (!this.tokens.write.includes(token)) return send(403, { message: 'Resource not accessible by integration' });
    if (list && request.method === 'POST') {
      const comment = { id: this.nextId++, body: body.body, html_url: `https://github.example/octo/repo/pull/7#issuecomment-${this.nextId}`, user: { login: 'github-actions[bot]' } };
      this.comments.push(comment);
      return send(201, comment);
    }
    if (update && request.method === 'PATCH') {
      const comment = this.comments.find((candidate) => candidate.id === Number(update[1]));
      if (!comment) return send(404, { message: 'Not Found' });
      comment.body = body.body;
      return send(200, comment);
    }
    return send(404, { message: 'Not Found' });
  }
}

async function readBody(request: IncomingMessage): Promise<{ body: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? { body: '' } : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { body: string });
}

const servers: FakeGithub[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

async function fakeGithub(perPageLimit = 100): Promise<{ github: FakeGithub; apiUrl: string }> {
  const github = new FakeGithub({ write: ['write-token'], read: ['read-token'] }, perPageLimit);
  servers.push(github);
  return { github, apiUrl: await github.start() };
}

function options(apiUrl: string, overrides: Partial<Parameters<typeof publishAuditPack>[0]> = {}) {
  const summary: string[] = [];
  return {
    summary,
    options: {
      pack: '# Audit pack\n\nNo blockers.\n',
      token: 'write-token',
      fromFork: false,
      apiUrl,
      repository: 'octo/repo',
      issueNumber: 7,
      writeSummary: async (markdown: string) => void summary.push(markdown),
      ...overrides,
    },
  };
}

describe('the pull-request comment', () => {
  it('creates one comment with the marker, then updates it in place on the next push', async () => {
    const { github, apiUrl } = await fakeGithub();
    github.comments.push({ id: 1, body: 'LGTM', html_url: 'x', user: { login: 'alice' } });
    const first = options(apiUrl);
    expect(await publishAuditPack(first.options)).toMatchObject({ where: 'comment', action: 'created' });
    const second = options(apiUrl, { pack: '# Audit pack\n\nSecond push.\n' });
    expect(await publishAuditPack(second.options)).toMatchObject({ where: 'comment', action: 'updated' });

    const ours = github.comments.filter((comment) => comment.body.startsWith(AUDIT_PACK_MARKER));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toBe(`${AUDIT_PACK_MARKER}\n# Audit pack\n\nSecond push.\n`);
    expect(github.comments[0]!.body).toBe('LGTM');
    expect(first.summary).toEqual([]);
    expect(github.requests.every((request) => request.authorization === 'Bearer write-token')).toBe(true);
    expect(github.requests.map((request) => request.method)).toEqual(['GET', 'POST', 'GET', 'PATCH']);
  });

  it('finds its comment on a later page of a long discussion, ignoring comments that only quote the marker', async () => {
    const { github, apiUrl } = await fakeGithub(2);
    for (let id = 1; id <= 5; id++) github.comments.push({ id, body: id === 2 ? `> ${AUDIT_PACK_MARKER}\n> quoted` : `comment ${id}`, html_url: 'x', user: { login: 'bob' } });
    github.comments.push({ id: 6, body: `${AUDIT_PACK_MARKER}\nold pack`, html_url: 'x', user: { login: 'github-actions[bot]' } });
    const result = await publishAuditPack(options(apiUrl).options);
    expect(result).toMatchObject({ where: 'comment', action: 'updated' });
    expect(github.comments.find((comment) => comment.id === 6)!.body).toContain('No blockers.');
    expect(github.comments[1]!.body).toContain('quoted');
    expect(github.requests.filter((request) => request.method === 'GET').map((request) => request.url)).toEqual([
      '/repos/octo/repo/issues/7/comments?per_page=100',
      '/repos/octo/repo/issues/7/comments?per_page=2&page=2',
      '/repos/octo/repo/issues/7/comments?per_page=2&page=3',
    ]);
  });

  it('writes the job summary instead for a fork, without a token, or when GitHub answers 403 or 404', async () => {
    const { github, apiUrl } = await fakeGithub();
    const fork = options(apiUrl, { fromFork: true });
    expect(await publishAuditPack(fork.options)).toEqual({ where: 'summary', reason: 'the pull request comes from a fork, whose token cannot comment' });
    expect(fork.summary).toEqual(['# Audit pack\n\nNo blockers.\n']);

    const noToken = options(apiUrl, { token: '' });
    expect(await publishAuditPack(noToken.options)).toMatchObject({ where: 'summary', reason: 'no token was given' });

    const readOnly = options(apiUrl, { token: 'read-token' });
    const refused = await publishAuditPack(readOnly.options);
    expect(refused).toMatchObject({ where: 'summary' });
    expect((refused as { reason: string }).reason).toContain('403');
    expect(readOnly.summary).toHaveLength(1);

    const otherRepo = options(apiUrl, { repository: 'someone/else' });
    expect(((await publishAuditPack(otherRepo.options)) as { reason: string }).reason).toContain('404');
    expect(github.comments).toEqual([]);
    // The fork and no-token cases never called the API.
    expect(github.requests.filter((request) => request.authorization === 'Bearer write-token').map((request) => request.url)).toEqual(['/repos/someone/else/issues/7/comments?per_page=100']);
  });

  it('keeps the body within GitHub comment limits and never follows a pagination link to another host', () => {
    const body = commentBody(`# Pack\n${'x'.repeat(100)}\n`.repeat(1000));
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body.startsWith(AUDIT_PACK_MARKER)).toBe(true);
    expect(body).toContain('the whole pack is in the job summary');
    expect(nextLink('<https://evil.example/steal?page=2>; rel="next"', 'https://api.github.com')).toBeUndefined();
    expect(nextLink('<https://api.github.com/x?page=2>; rel="next"', 'https://api.github.com')).toBe('https://api.github.com/x?page=2');
  });

  it('runs as the action runs it: the built entry reads its inputs from the environment', async () => {
    const { github, apiUrl } = await fakeGithub();
    const dir = tempDir();
    const packFile = path.join(dir, 'pack.md');
    const summaryFile = path.join(dir, 'summary.md');
    writeFileSync(packFile, '# Audit pack\n\nFrom the entry.\n');
    writeFileSync(summaryFile, '');
    const entry = fileURLToPath(new URL('../../dist/github/post-comment.js', import.meta.url));
    const env = { PATH: process.env.PATH, STAGEDOCS_PACK_FILE: packFile, STAGEDOCS_TOKEN: 'write-token', STAGEDOCS_PR_NUMBER: '7', STAGEDOCS_FROM_FORK: 'false', GITHUB_REPOSITORY: 'octo/repo', GITHUB_API_URL: apiUrl, GITHUB_STEP_SUMMARY: summaryFile };
    // spawnSync would block the event loop the fake server answers on; run it asynchronously.
    const { spawn } = await import('node:child_process');
    const run = (extra: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const child = spawn(process.execPath, [entry], { env: { ...env, ...extra } });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('close', () => resolve(out));
      });
    expect(await run({})).toContain('audit pack comment created');
    expect(github.comments[0]!.body).toBe(`${AUDIT_PACK_MARKER}\n# Audit pack\n\nFrom the entry.\n`);
    expect(await run({ STAGEDOCS_FROM_FORK: 'true' })).toContain('::notice title=stagedocs audit pack::written to the job summary: the pull request comes from a fork');
    expect(readFileSync(summaryFile, 'utf8')).toBe('# Audit pack\n\nFrom the entry.\n\n');
    expect(spawnSync(process.execPath, [entry], { env: { PATH: process.env.PATH } }).stdout.toString()).toContain('::warning title=stagedocs audit pack::STAGEDOCS_PACK_FILE is not set');
  });
});
