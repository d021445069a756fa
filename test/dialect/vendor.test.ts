/** compileVendor's filters: what pushing a value gives, and the whenAbsent parameters. */
import { describe, expect, it } from 'vitest';
import { absentParams } from '../../src/dialect/vendor.js';
import { compileMinimal } from '../helpers/minimal-vendor.js';

describe('compiled filters: push results', () => {
  const v = compileMinimal({
    filters: {
      status: { values: { closed: { filter_resolved: '1' }, open: { filter_not_resolved: '1', filter_active: 'yes' } } },
      channel: { param: 'channel', values: { email: 'mail', chat: null, sms: { channel: 'text', carrier: 'any' } }, whenAbsent: 'all' },
      agentId: { param: 'assignee', format: 'uuid' },
      createdAfter: { param: 'since', format: 'unix' },
    },
  });

  it('a value mapped to its own parameters sends exactly those, in the order written', () => {
    expect(v.filters.status.push!('closed')).toEqual({ params: [['filter_resolved', '1']] });
    expect(v.filters.status.push!('open')).toEqual({ params: [['filter_not_resolved', '1'], ['filter_active', 'yes']] });
  });

  it('a string value is sent as <param>=<value>; a map may repeat the filter param', () => {
    expect(v.filters.channel.push!('email')).toEqual({ params: [['channel', 'mail']] });
    expect(v.filters.channel.push!('sms')).toEqual({ params: [['channel', 'text'], ['carrier', 'any']] });
  });

  it('null is checked here, an unlisted value can hold no match', () => {
    expect(v.filters.channel.push!('chat')).toEqual({ localOnly: true });
    expect(v.filters.channel.push!('fax')).toEqual({ noMatch: true });
    expect(v.filters.status.push!('pending')).toEqual({ noMatch: true });
  });

  it('no values map: the value as it is; times in their format; a malformed UUID is invalid', () => {
    expect(v.filters.agentId.push!('0e8b5a0c-8f7e-4b4e-9c1d-2a3b4c5d6e7f')).toEqual({ params: [['assignee', '0e8b5a0c-8f7e-4b4e-9c1d-2a3b4c5d6e7f']] });
    expect(v.filters.agentId.push!('nope')).toEqual({ invalid: expect.stringMatching(/UUID/) });
    expect(v.filters.createdAfter.push!(Date.UTC(2024, 0, 1))).toEqual({ params: [['since', String(Date.UTC(2024, 0, 1) / 1000)]] });
  });

  it('whenAbsent compiles to parameters ([] for a filter without it, or not configured)', () => {
    expect(v.filters.channel.absent).toEqual([['channel', 'all']]);
    expect(v.filters.status.absent).toEqual([]);
    expect(v.filters.search.absent).toEqual([]);
    const m = compileMinimal({ filters: { status: { values: { closed: { filter_resolved: '1' } }, whenAbsent: { include_resolved: '1', include_open: '1' } } } });
    expect(m.filters.status.absent).toEqual([['include_resolved', '1'], ['include_open', '1']]);
  });

  it('absentParams: every filter not carried by its own parameters', () => {
    expect(absentParams(v.filters, [])).toEqual([['channel', 'all']]);
    expect(absentParams(v.filters, ['channel'])).toEqual([]);
    expect(absentParams(v.filters, ['status'])).toEqual([['channel', 'all']]);
  });
});
