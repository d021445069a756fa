/** GET over real HTTP for tests: status, headers and the body parsed as JSON (or the text, when it isn't). */
import { request } from 'undici';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await request(url, { headers });
  const text = await res.body.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON (Prometheus text, HTML): keep the text */
  }
  return { status: res.statusCode, headers: res.headers as Record<string, string>, body };
}
