/** What each shipped and test dialect claims, as verify lists it from the compiled config alone. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimName, claimsOf, filterParams, orderParams, wholeParams } from '../../src/verify/claims.js';
import { loadVendor } from '../dialects/harness.js';
import { ALL_VENDORS } from '../helpers/harness.js';

const compiled = (name: string) => {
  const v = ALL_VENDORS.find((x) => x.name === name)!;
  const { config, compiled } = loadVendor(v.configFile, { [`${name.toUpperCase()}_BASE_URL`]: 'https://vendor.test' });
  return { config, v: compiled, claims: claimsOf(compiled, { total: config.response.total !== undefined }) };
};
const names = (name: string) => compiled(name).claims.map((c) => claimName(c));

describe('claimsOf', () => {
  it('siteassist: each status value with its total, six orders, paging, total, detail', () => {
    expect(names('siteassist')).toEqual([
      'filter status=open', 'total status=open', 'filter status=closed', 'total status=closed',
      'order lastActivityAt desc', 'order lastActivityAt asc', 'order createdAt desc', 'order createdAt asc', 'order updatedAt desc', 'order updatedAt asc',
      'paging', 'total', 'detail',
    ]);
  });

  it('superagentes: free filters take a value from the data; exact: false is a superset, recheck: false a subset; no paging, no total', () => {
    const { claims } = compiled('superagentes');
    expect(claims).toEqual([
      { kind: 'filter', filter: 'channel', value: null, mode: 'exact' },
      { kind: 'filter', filter: 'agentId', value: null, mode: 'exact' },
      { kind: 'filter', filter: 'search', value: null, mode: 'subset' },
      { kind: 'filter', filter: 'createdAfter', value: null, mode: 'superset' },
      { kind: 'filter', filter: 'createdBefore', value: null, mode: 'superset' },
    ]);
    expect(claimName(claims[0]!, 'mail')).toBe('filter channel=mail');
  });

  it('pagebox: a value mapped to null is never sent, so it is no claim', () => {
    expect(names('pagebox').filter((n) => n.includes('status'))).toEqual(['filter status=closed', 'total status=closed']);
  });

  it('a values map that leaves values unlisted claims they match none', () => {
    const v = ALL_VENDORS.find((x) => x.name === 'pagebox')!;
    const yaml = readFileSync(v.configFile, 'utf8').replace('channel: { param: channel }', 'channel: { param: channel, values: { email: email, chat: null } }');
    const dir = mkdtempSync(join(tmpdir(), 'sb-claims-'));
    const file = join(dir, 'pagebox.yaml');
    writeFileSync(file, yaml);
    try {
      const { config, compiled } = loadVendor(file, { PAGEBOX_BASE_URL: 'https://vendor.test' });
      const claims = claimsOf(compiled, { total: config.response.total !== undefined }).filter((c) => 'filter' in c && c.filter === 'channel');
      expect(claims.map((c) => claimName(c))).toEqual(['filter channel=email', 'total channel=email', 'filter channel=<unlisted>']);
      expect(claims[2]).toEqual({ kind: 'unlisted', filter: 'channel', listed: ['email', 'chat'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cursorly: a cursor claim, and no total claims without response.total', () => {
    const n = names('cursorly');
    expect(n).toContain('cursor');
    expect(n.filter((x) => x.startsWith('total'))).toEqual([]);
  });

  it('the parameters each read sends: fixed ones always, the pushed filter or order on top', () => {
    const { v } = compiled('uncodie');
    expect(wholeParams(v)).toEqual([['site_id', '9be0a6a2-5567-41bf-ad06-cb4014f0faf2']]);
    expect(filterParams(v, 'leadId', '3545a32b-5150-4937-a6be-c72d8de729c3')).toEqual([['site_id', '9be0a6a2-5567-41bf-ad06-cb4014f0faf2'], ['lead_id', '3545a32b-5150-4937-a6be-c72d8de729c3']]);
    expect(filterParams(v, 'leadId', 'nope')).toEqual({ unsent: "the vendor can't take leadId=nope: must be a UUID (version 1-5, RFC 4122 variant)" });
    const pagebox = compiled('pagebox').v;
    expect(filterParams(pagebox, 'status', 'open')).toEqual({ unsent: 'status=open is checked locally, never sent' });
    const order = compiled('pagebox').claims.find((c) => c.kind === 'order' && c.by === 'createdAt' && c.dir === 'asc')!;
    expect(order).toEqual({ kind: 'order', by: 'createdAt', dir: 'asc', params: [['sort', 'created'], ['direction', 'ASC']] });
    expect(orderParams(pagebox, order as Extract<typeof order, { kind: 'order' }>)).toEqual([['sort', 'created'], ['direction', 'ASC']]);
  });
});
