/** The two errors the client throws: a non-2xx answer, and a cursor walk that gave up. */
import type { ErrorCode, Problem } from './types.js';

/** A non-2xx answer: the problem+json body, with its stable `code`. */
export class SwitchboardError extends Error {
  readonly status: number;
  readonly code: ErrorCode | undefined;
  readonly problem: Problem | undefined;
  /** Seconds, from `Retry-After` (429, 503). */
  readonly retryAfter: number | undefined;

  constructor(status: number, problem: Problem | undefined, retryAfter: number | undefined, fallback: string) {
    super(problem ? `${problem.code}: ${problem.detail}` : fallback);
    this.name = 'SwitchboardError';
    this.status = status;
    this.code = problem?.code;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

/**
 * A walk gave up: the last page's error (status, code, problem), how often that page was tried, and the
 * cursor to resume from (`walkConversations({ cursor })`; null when the first page failed).
 */
export class SwitchboardWalkError extends SwitchboardError {
  readonly cursor: string | null;
  readonly attempts: number;
  /** Pages the walk yielded before it gave up. */
  readonly pages: number;

  constructor(last: unknown, info: { cursor: string | null; attempts: number; pages: number; why: string }) {
    const e = last instanceof SwitchboardError ? last : undefined;
    super(e?.status ?? 0, e?.problem, e?.retryAfter, `${(last as Error)?.message ?? String(last)}`);
    this.name = 'SwitchboardWalkError';
    this.message = `walk stopped after ${info.pages} page${info.pages === 1 ? '' : 's'} (${info.why}): ${this.message}`;
    this.cause = last;
    this.cursor = info.cursor;
    this.attempts = info.attempts;
    this.pages = info.pages;
  }
}
