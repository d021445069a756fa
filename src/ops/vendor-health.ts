/** Remembers each vendor's last success and last error, as seen by the requests this process served. */
import type { SourceReport } from '../conversations/list.js';

export interface VendorHealth {
  lastSuccessAt: string | null;
  lastError: { at: string; code: string; message: string; upstreamStatus: number | null } | null;
}

export class VendorHealthTracker {
  private readonly byVendor = new Map<string, VendorHealth>();

  record(sources: readonly SourceReport[], now: number): void {
    const at = new Date(now).toISOString();
    for (const s of sources) {
      if (s.status === 'skipped' || s.calls === 0) continue;
      const h = this.byVendor.get(s.vendor) ?? { lastSuccessAt: null, lastError: null };
      if (s.status === 'ok') h.lastSuccessAt = at;
      else if (s.error) h.lastError = { at, code: s.error.code, message: s.error.message, upstreamStatus: s.error.upstreamStatus };
      this.byVendor.set(s.vendor, h);
    }
  }

  /** A request every vendor failed: the error names each one. */
  recordFailures(errors: readonly { vendor: string; code: string; message: string; upstreamStatus: number | null }[], now: number): void {
    const at = new Date(now).toISOString();
    for (const e of errors) {
      const h = this.byVendor.get(e.vendor) ?? { lastSuccessAt: null, lastError: null };
      h.lastError = { at, code: e.code, message: e.message, upstreamStatus: e.upstreamStatus };
      this.byVendor.set(e.vendor, h);
    }
  }

  get(vendor: string): VendorHealth {
    return this.byVendor.get(vendor) ?? { lastSuccessAt: null, lastError: null };
  }
}
