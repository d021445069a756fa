/** `switchboard verify`'s report for people: a header on the whole read, one row per claim, a summary. */
import type { VerdictStatus } from './check.js';
import type { VerifyReport } from './verify.js';

const WORD: Record<VerdictStatus, string> = { verified: 'verified', differs: 'differs', cantCheck: "can't check" };

export function formatVerify(r: VerifyReport): string[] {
  const where = `${r.url || '(no base URL)'}${r.simulator ? ' (embedded simulator)' : ''}`;
  const lines = [`verify ${r.vendor} at ${where}`];
  if (r.unreadable) {
    const f = r.unreadable;
    lines.push(`can't read the vendor: ${f.code}${f.upstreamStatus !== null ? ` (HTTP ${f.upstreamStatus})` : ''}: ${f.message}`);
    return lines;
  }
  const w = r.whole!;
  const total = w.total === null ? 'no total' : `total ${w.total}`;
  const pages = `${w.pages} page${w.pages === 1 ? '' : 's'}${w.pageSize !== null ? ` of ${w.pageSize}` : ''}`;
  lines.push(`whole read: ${w.conversations} conversations, ${pages}, ${w.calls} call${w.calls === 1 ? '' : 's'}, ${total}${w.dropped ? `, ${w.dropped} dropped by the mapper` : ''}${w.truncated ? `; cut: ${w.truncated}` : ''}`);
  lines.push('');
  const width = Math.max(5, ...r.claims.map((c) => c.claim.length)) + 2;
  lines.push(`${'claim'.padEnd(width)}${'verdict'.padEnd(13)}${'calls'.padStart(5)}  detail`);
  for (const c of r.claims) lines.push(`${c.claim.padEnd(width)}${WORD[c.status].padEnd(13)}${String(c.calls).padStart(5)}  ${c.detail}`);
  const s = r.summary;
  lines.push('', `${s.verified} verified, ${s.differs} differ${s.differs === 1 ? 's' : ''}, ${s.cantCheck} can't check`);
  return lines;
}
