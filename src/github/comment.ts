/**
 * Posting the audit pack on a pull request: one comment, found again by a hidden marker and updated in
 * place, so a pull request never collects a comment per push. When commenting is impossible (a pull
 * request from a fork gets a read-only token, or there is no token) the pack goes to the job summary.
 * Uses the GitHub REST API with the global fetch; no dependency.
 */

/** Starts every comment we write; how we recognise ours among the pull request's comments. */
export const AUDIT_PACK_MARKER = '<!-- stagedocs-audit-pack -->';
/** GitHub refuses comment bodies longer than this. */
export const MAX_COMMENT_CHARS = 65_536;

class GithubApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'GithubApiError';
  }
}

interface CommentTarget {
  /** API base, `GITHUB_API_URL` (https://api.github.com, or a GitHub Enterprise server's). */
  apiUrl: string;
  token: string;
  /** `owner/name`. */
  repository: string;
  issueNumber: number;
  fetch?: typeof fetch;
}

interface IssueComment {
  id: number;
  body?: string | null;
  html_url?: string;
}

/** Creates the pack comment, or updates the one that already carries the marker. */
async function upsertComment(target: CommentTarget, body: string): Promise<{ action: 'created' | 'updated'; id: number; url: string }> {
  const text = commentBody(body);
  const existing = await findMarkedComment(target);
  const repo = repositoryPath(target.repository);
  if (existing) {
    const updated = await request<IssueComment>(target, 'PATCH', `${target.apiUrl}/repos/${repo}/issues/comments/${existing.id}`, { body: text });
    return { action: 'updated', id: updated.id, url: updated.html_url ?? '' };
  }
  const created = await request<IssueComment>(target, 'POST', `${target.apiUrl}/repos/${repo}/issues/${target.issueNumber}/comments`, { body: text });
  return { action: 'created', id: created.id, url: created.html_url ?? '' };
}

/** The marker, then the pack, cut at a line when it would exceed GitHub's limit. */
export function commentBody(pack: string): string {
  const body = `${AUDIT_PACK_MARKER}\n${pack}`;
  if (body.length <= MAX_COMMENT_CHARS) return body;
  const note = '\n\n_Cut at GitHub\'s comment size limit; the whole pack is in the job summary._\n';
  const cut = body.lastIndexOf('\n', MAX_COMMENT_CHARS - note.length);
  return `${body.slice(0, cut)}${note}`;
}

/** The oldest comment that starts with our marker (a user quoting it starts with `>` instead), across all pages. */
async function findMarkedComment(target: CommentTarget): Promise<IssueComment | undefined> {
  let url: string | undefined = `${target.apiUrl}/repos/${repositoryPath(target.repository)}/issues/${target.issueNumber}/comments?per_page=100`;
  for (let page = 0; url !== undefined && page < 100; page++) {
    const { data, next }: { data: IssueComment[]; next: string | undefined } = await requestPage(target, url);
    const found = data.find((comment) => (comment.body ?? '').startsWith(AUDIT_PACK_MARKER));
    if (found) return found;
    url = next;
  }
  return undefined;
}

async function requestPage(target: CommentTarget, url: string): Promise<{ data: IssueComment[]; next: string | undefined }> {
  const response = await send(target, 'GET', url);
  const data = (await response.json()) as IssueComment[];
  return { data: Array.isArray(data) ? data : [], next: nextLink(response.headers.get('link'), target.apiUrl) };
}

/**
 * The `rel="next"` URL of a Link header, only when it stays on the API's own origin: the token is
 * sent with every request and must not follow a link elsewhere.
 */
export function nextLink(header: string | null, apiUrl: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match && new URL(match[1]!).origin === new URL(apiUrl).origin) return match[1];
  }
  return undefined;
}

async function request<T>(target: CommentTarget, method: string, url: string, body: unknown): Promise<T> {
  const response = await send(target, method, url, body);
  return (await response.json()) as T;
}

async function send(target: CommentTarget, method: string, url: string, body?: unknown): Promise<Response> {
  const fetchImpl = target.fetch ?? fetch;
  const response = await fetchImpl(url, {
    method,
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${target.token}`,
      'x-github-api-version': '2022-11-28',
      'user-agent': 'stagedocs-audit-pack',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) {
    let detail = '';
    try {
      detail = ((await response.json()) as { message?: string }).message ?? '';
    } catch {
      // The status says enough.
    }
    throw new GithubApiError(response.status, `${method} ${new URL(url).pathname} failed: ${response.status}${detail ? ` ${detail}` : ''}`);
  }
  return response;
}

function repositoryPath(repository: string): string {
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) throw new Error(`GITHUB_REPOSITORY \`${repository.slice(0, 100)}\` is not owner/name`);
  return repository;
}

interface PublishOptions {
  pack: string;
  /** Undefined or '' when the workflow has no token. */
  token: string | undefined;
  /** True for a pull request whose head repository is not this one: its token is read-only. */
  fromFork: boolean;
  apiUrl: string;
  repository: string;
  issueNumber: number | undefined;
  /** Appends markdown to the job summary (`$GITHUB_STEP_SUMMARY`). */
  writeSummary(markdown: string): Promise<void>;
  fetch?: typeof fetch;
}

type PublishResult = { where: 'comment'; action: 'created' | 'updated'; url: string } | { where: 'summary'; reason: string };

/**
 * Posts the pack as the pull request's one stagedocs comment, or, when that cannot work (fork, no
 * token, no pull request, or GitHub answers 403/404), writes it to the job summary and says why.
 * Other API failures also fall back to the summary: a review aid must not fail the build.
 */
export async function publishAuditPack(options: PublishOptions): Promise<PublishResult> {
  const toSummary = async (reason: string): Promise<PublishResult> => {
    await options.writeSummary(options.pack);
    return { where: 'summary', reason };
  };
  if (options.fromFork) return toSummary('the pull request comes from a fork, whose token cannot comment');
  if (!options.token) return toSummary('no token was given');
  if (options.issueNumber === undefined) return toSummary('this run is not for a pull request');
  try {
    const result = await upsertComment(
      { apiUrl: options.apiUrl.replace(/\/+$/, ''), token: options.token, repository: options.repository, issueNumber: options.issueNumber, ...(options.fetch ? { fetch: options.fetch } : {}) },
      options.pack,
    );
    return { where: 'comment', action: result.action, url: result.url };
  } catch (error) {
    if (error instanceof GithubApiError && (error.status === 403 || error.status === 404)) {
      return toSummary(`GitHub refused the comment (${error.status}): the token lacks pull-requests/issues write permission, or the pull request is not visible to it`);
    }
    return toSummary(`commenting failed: ${(error as Error).message}`);
  }
}
