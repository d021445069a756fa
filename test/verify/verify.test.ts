/**
 * verifyVendor against real simulators over loopback: every seed and test dialect passes, and configs whose
 * claims are wrong fail on the claim they got wrong, naming the ids.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialsOf, startSimulator, type Fault, type Simulator, type SimulatorModule } from '../../sim/kit.js';
import { gatewaySchema } from '../../src/config/gateway-schema.js';
import { interpolate } from '../../src/config/interpolate.js';
import { vendorSchema } from '../../src/config/vendor-schema.js';
import { compileVendor } from '../../src/dialect/vendor.js';
import { systemClock } from '../../src/state/clock.js';
import { memoryStore } from '../../src/state/store.js';
import { createUpstream } from '../../src/upstream/index.js';
import { verifyVendor, type VerifyReport } from '../../src/verify/verify.js';
import { ALL_VENDORS, type VendorUnderTest } from '../helpers/harness.js';

const open: Simulator[] = [];
afterAll(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** The vendor's YAML (edited by `edit`, as a temp copy would be) verified against its simulator. */
async function verify(vendor: VendorUnderTest, edit: (yaml: string) => string = (y) => y, module: SimulatorModule = vendor.module, fault: Fault | null = null): Promise<{ report: VerifyReport; sim: Simulator }> {
  const yaml = edit(await readFile(vendor.configFile, 'utf8'));
  const config = vendorSchema.parse(interpolate(parse(yaml), {}));
  const sim = await startSimulator(module.behaviour(credentialsOf(config)), { data: module.demoData(42, 300), fault });
  open.push(sim);
  config.baseUrl = sim.url;
  const compiled = compileVendor(config, gatewaySchema.parse({}));
  const upstream = createUpstream({ store: memoryStore(), clock: systemClock });
  try {
    const report = await verifyVendor(compiled, { total: config.response.total !== undefined }, { upstream: upstream.direct, clock: systemClock, requestId: 'verify-test', simulator: true });
    return { report, sim };
  } finally {
    await upstream.close();
  }
}

const byName = (name: string) => ALL_VENDORS.find((v) => v.name === name)!;
const claim = (r: VerifyReport, name: string) => {
  const c = r.claims.find((x) => x.claim === name);
  if (!c) throw new Error(`no claim "${name}" in ${r.claims.map((x) => x.claim).join(', ')}`);
  return c;
};

describe.concurrent('verify passes against every seed and test dialect on its simulator', () => {
  for (const vendor of ALL_VENDORS) {
    it(`${vendor.name}: every claim verified, or can't check with a reason`, async () => {
      const { report } = await verify(vendor);
      expect(report.unreadable).toBeUndefined();
      expect(report.whole).toMatchObject({ conversations: 300, truncated: null, dropped: 0 });
      expect(report.claims.length).toBeGreaterThan(0);
      for (const c of report.claims) {
        expect(c.status, `${c.claim}: ${c.detail}`).not.toBe('differs');
        expect(c.detail.length).toBeGreaterThan(10);
      }
      expect(report.summary.differs).toBe(0);
      expect(report.summary.verified).toBeGreaterThan(0);
    });
  }

  it('checks what each dialect claims: filters by value, orders both ways, paging, totals, the cursor, the detail', async () => {
    const names = async (v: string) => (await verify(byName(v))).report.claims.map((c) => `${c.claim}: ${c.status}`);
    const pagebox = await names('pagebox');
    // open maps to null: never sent, so no claim; closed is sent as `resolved`.
    expect(pagebox.filter((c) => c.startsWith('filter status'))).toEqual(['filter status=closed: verified']);
    expect(pagebox).toEqual(expect.arrayContaining(['total status=closed: verified', 'order updatedAt asc: verified', 'order lastActivityAt desc: verified', 'paging: verified', 'total: verified']));
    const cursorly = await names('cursorly');
    expect(cursorly).toEqual(expect.arrayContaining(['cursor: verified', 'paging: verified', 'filter status=open: verified', 'order createdAt asc: verified']));
    expect(cursorly.some((c) => /^filter createdAfter=\d{4}-\d\d-\d\dT.*: verified$/.test(c))).toBe(true);
    expect(cursorly.some((c) => /^filter search=\S+: verified$/.test(c))).toBe(true);
    // No total at all: no total claims.
    expect(cursorly.some((c) => c.startsWith('total'))).toBe(false);
    expect(await names('siteassist')).toContain('detail: verified');
  });
});

describe('bounds', () => {
  it('a vendor holding more than maxItems: every read stops past it, the calls are bounded, and claims that need the whole say so', async () => {
    const { report, sim } = await verify(byName('uncodie'), (y) => y.replace('rateLimit:', 'maxItems: 120\nrateLimit:'));
    expect(report.whole).toMatchObject({ conversations: 200, pages: 2, truncated: 'more than maxItems (120)' });
    expect(claim(report, 'total')).toMatchObject({ status: 'verified', detail: "the vendor's total 300 is more than the 200 read (more than maxItems (120))" });
    expect(claim(report, 'paging')).toMatchObject({ status: 'cantCheck' });
    expect(claim(report, 'paging').detail).toMatch(/was cut/);
    // A filtered answer that fits is still checked both ways against what was read.
    const leadFilter = report.claims.find((c) => c.claim.startsWith('filter leadId='))!;
    expect(leadFilter.status).toBe('verified');
    for (const c of report.claims) expect(c.status).not.toBe('differs');
    // Whole read 2, paging by 20 stops after 7 pages, three filters one call each.
    expect(sim.calls.length).toBe(report.claims.reduce((n, c) => n + c.calls, report.whole!.calls));
    expect(sim.calls.length).toBeLessThanOrEqual(2 + 7 + 3);
  });
});

describe.concurrent('a config whose claims are wrong fails on that claim', () => {
  it('a status filter sent as a parameter the vendor never reads: filter status=open differs, with the ids it should not have returned', async () => {
    const { report } = await verify(byName('siteassist'), (y) => y.replace('status: { param: status,', 'status: { param: state,'));
    const c = claim(report, 'filter status=open');
    expect(c.status).toBe('differs');
    expect(c.detail).toMatch(/^vendor returned 130 the local check rejects: siteassist:\S+, siteassist:\S+, siteassist:\S+, siteassist:\S+, siteassist:\S+, … \(125 more\)$/);
    expect(c.ids).toHaveLength(5);
    expect(claim(report, 'total status=open')).toMatchObject({ status: 'differs', detail: "the vendor's total is 300, the local count 170" });
    // What it didn't get wrong still holds.
    expect(claim(report, 'paging').status).toBe('verified');
  });

  it('an order claimed but not honoured: order updatedAt desc differs, naming the first pair out of order', async () => {
    const { report } = await verify(byName('pagebox'), (y) => y.replace('param: sort\n', 'param: sort_by\n'));
    const c = claim(report, 'order updatedAt desc');
    expect(c.status).toBe('differs');
    expect(c.detail).toMatch(/^out of order after \d+ items: pagebox:\S+ \(updatedAt \S+\) came before pagebox:\S+ \(\S+\)/);
    // The vendor's own default (created, the direction still sent) happens to be the claim.
    expect(claim(report, 'order createdAt desc').status).toBe('verified');
  });

  it('an end date claimed exact that the vendor treats as inclusive: the extra conversation is named', async () => {
    const { report } = await verify(byName('superagentes'), (y) => y.replace('{ param: endDate, format: iso, exact: false }', '{ param: endDate, format: iso }'));
    const c = report.claims.find((x) => x.claim.startsWith('filter createdBefore='))!;
    expect(c).toMatchObject({ status: 'differs' });
    expect(c.detail).toMatch(/^vendor returned 1 the local check rejects: superagentes:\S+$/);
  });

  it('a values map missing values the vendor has: the unlisted claim differs, naming them; the listed ones hold', async () => {
    const { report } = await verify(byName('pagebox'), (y) => y.replace('channel: { param: channel }', 'channel: { param: channel, values: { email: email, chat: chat } }'));
    const c = claim(report, 'filter channel=<unlisted>');
    expect(c.status).toBe('differs');
    expect(c.detail).toMatch(/^\d+ conversations have a channel the values map doesn't list \((whatsapp, sms|sms, whatsapp)\), so a query for it would wrongly find none: pagebox:/);
    expect(claim(report, 'filter channel=email').status).toBe('verified');
    expect(claim(report, 'filter channel=chat').status).toBe('verified');
  });

  it("a vendor answering open conversations unless told, its whenAbsent left out: filter status=closed differs, naming what the whole read missed", async () => {
    const { report } = await verify(byName('woot'), (y) => y.replace(', whenAbsent: all }', ' }'));
    expect(report.whole?.conversations).toBeLessThan(300);
    const c = claim(report, 'filter status=closed');
    expect(c.status).toBe('differs');
    expect(c.detail).toMatch(/^vendor returned \d+ the whole read doesn't hold: .*whenAbsent/);
    expect(report.summary.differs).toBeGreaterThan(0);
  });

  it('a total read from the wrong place, and a vendor whose cursor loops', async () => {
    const wrongTotal = await verify(byName('uncodie'), (y) => y.replace('total: data.pagination.total', 'total: data.pagination.count'));
    expect(claim(wrongTotal.report, 'total')).toMatchObject({ status: 'differs', detail: 'the config reads a total (response.total) but the vendor sent none' });

    const cursorly = byName('cursorly');
    const looping: SimulatorModule = {
      ...cursorly.module,
      behaviour: (creds) => {
        const b = cursorly.module.behaviour(creds);
        // Ignores starting_after: every page is the first again.
        return { ...b, handle: (req, data) => { req.query.delete('starting_after'); return b.handle(req, data); } };
      },
    };
    const { report } = await verify(cursorly, (y) => y, looping);
    // The whole read itself loops: the vendor can't be read at all.
    expect(report.unreadable?.code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect(report.unreadable?.message).toMatch(/brought nothing new/);
    expect(report.claims).toEqual([]);
  });

  it('offsets that overlap by one: paging differs, naming the conversations it returned twice', async () => {
    const siteassist = byName('siteassist');
    const overlapping: SimulatorModule = {
      ...siteassist.module,
      behaviour: (creds) => {
        const b = siteassist.module.behaviour(creds);
        return {
          ...b,
          handle: (req, data) => {
            const offset = Number(req.query.get('offset') ?? 0);
            if (offset > 0) req.query.set('offset', String(offset - 1));
            return b.handle(req, data);
          },
        };
      },
    };
    const { report } = await verify(siteassist, (y) => y, overlapping);
    expect(claim(report, 'paging')).toMatchObject({ status: 'differs' });
    expect(claim(report, 'paging').detail).toMatch(/^paging by 30 returned 1 conversation twice: siteassist:\S+$/);
  });

  it('a vendor that only fails is unreadable, its failure named (and no claim is checked)', async () => {
    const { report, sim } = await verify(byName('pagebox'), (y) => y, undefined, { kind: 'internal' });
    expect(report.unreadable).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamStatus: 500 });
    expect(report.claims).toEqual([]);
    // Retried as the gateway retries a 5xx, never more.
    expect(sim.calls.length).toBeGreaterThan(0);
    expect(sim.calls.length).toBeLessThanOrEqual(4);
  });
});
