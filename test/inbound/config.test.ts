/**
 * Auth configuration: off by default (everything passes, and the gateway says so loudly), refused at
 * startup when required without clients, and bad client lists are named.
 */
import { describe, expect, it } from 'vitest';
import { gatewaySchema } from '../../src/config/gateway-schema.js';
import { ConfigError } from '../../src/config/load.js';
import { authIsOff, checkAuthConfig } from '../../src/inbound/auth.js';
import { startHarness } from '../helpers/harness.js';
import { newKey } from './clients.js';

const inbound = (raw: object) => gatewaySchema.parse({ inbound: raw }).inbound;

describe('checkAuthConfig', () => {
  it('accepts no clients when auth is not required (the demo default)', () => {
    const cfg = inbound({});
    expect(authIsOff(cfg)).toBe(true);
    expect(() => checkAuthConfig(cfg)).not.toThrow();
  });

  it('throws, naming the setting, when authRequired is true and there are no clients', () => {
    for (const authRequired of [true, 'true']) {
      const cfg = inbound({ authRequired });
      expect(() => checkAuthConfig(cfg)).toThrow(ConfigError);
      expect(() => checkAuthConfig(cfg)).toThrow(/gateway\.yaml: inbound\.clients: is empty, but inbound\.authRequired \(AUTH_REQUIRED\) is true/);
    }
  });

  it('accepts authRequired with a client', () => {
    expect(() => checkAuthConfig(inbound({ authRequired: true, clients: [{ id: 'a', keySha256: newKey().sha256 }] }))).not.toThrow();
  });

  it('names duplicate ids, shared keys, empty and unknown vendor lists', () => {
    const k = newKey().sha256;
    const cfg = inbound({
      clients: [
        { id: 'a', keySha256: k },
        { id: 'a', keySha256: newKey().sha256 },
        { id: 'b', keySha256: k.toUpperCase() },
        { id: 'c', keySha256: newKey().sha256, vendors: [] },
        { id: 'd', keySha256: newKey().sha256, vendors: ['siteassist', 'acme'] },
      ],
    });
    let err: ConfigError | undefined;
    try {
      checkAuthConfig(cfg, ['siteassist', 'uncodie']);
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.problems.map((p) => [p.path, p.message])).toEqual([
      ['inbound.clients.1.id', '"a" is also the id of inbound.clients.0'],
      ['inbound.clients.2.keySha256', 'is also the key of inbound.clients.0: give every client its own key'],
      ['inbound.clients.3.vendors', 'is empty: omit it to allow every vendor, or name at least one'],
      ['inbound.clients.4.vendors', 'names acme, not a configured vendor (known: siteassist, uncodie)'],
    ]);
  });
});

describe('the gateway with auth configuration', () => {
  it('with no clients serves everyone and logs once, as a warning, that auth is off', async () => {
    const h = await startHarness({ gatewayYaml: 'inbound: { rateLimit: { perMinute: 6000, burst: 100 } }\n' });
    try {
      const res = await h.get('/conversations?limit=2');
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(2);
      // Whatever a caller sends as a key is irrelevant while auth is off.
      expect((await h.get('/conversations?limit=1', { authorization: 'Bearer nonsense' })).status).toBe(200);
      const warnings = h.logger.lines.filter((l) => l.level === 'warn' && /AUTH IS OFF/.test(l.msg ?? ''));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toMatch(/every caller is served/);
      const line = h.logger.lines.find((l) => l.msg === 'request');
      expect(line?.obj).not.toHaveProperty('clientId');
    } finally {
      await h.close();
    }
  });

  it('refuses to start with AUTH_REQUIRED=true and no clients (the shipped gateway.yaml)', async () => {
    await expect(startHarness({ env: { AUTH_REQUIRED: 'true' } })).rejects.toThrow(/inbound\.authRequired \(AUTH_REQUIRED\) is true/);
  });

  it('refuses to start when a client names a vendor that is not configured', async () => {
    const gatewayYaml = `inbound:\n  clients:\n    - { id: a, keySha256: ${newKey().sha256}, vendors: [zendesk] }\n`;
    await expect(startHarness({ gatewayYaml })).rejects.toThrow(/inbound\.clients\.0\.vendors: names zendesk, not a configured vendor/);
  });
});
