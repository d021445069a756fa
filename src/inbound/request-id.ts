/**
 * The request id every response carries as X-Request-Id. A caller's own id is kept when it is short and
 * plain (so it can be searched for in logs and is safe to echo); otherwise we make one.
 */
import { randomUUID } from 'node:crypto';

const PLAIN_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(given: string | string[] | undefined): string {
  const id = Array.isArray(given) ? given[0] : given;
  return id && PLAIN_ID.test(id) ? id : randomUUID();
}
