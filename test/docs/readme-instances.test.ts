/** README's "A second account of a vendor": its example, beside the shipped siteassist.yaml, is a vendor the gateway loads. */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ROOT } from '../helpers/harness.js';

describe('README: A second account of a vendor', () => {
  it('its example extends the shipped siteassist.yaml and loads as a vendor of its own', async () => {
    const text = await readFile(join(ROOT, 'README.md'), 'utf8');
    const start = text.indexOf('\n### A second account of a vendor\n');
    expect(start).toBeGreaterThan(0);
    const example = /```yaml\n([\s\S]*?)```/.exec(text.slice(start))![1]!;
    const dir = await mkdtemp(join(tmpdir(), 'sb-readme-instance-'));
    try {
      await mkdir(join(dir, 'vendors'));
      await writeFile(join(dir, 'vendors', 'siteassist.yaml'), await readFile(join(ROOT, 'config/vendors/siteassist.yaml'), 'utf8'));
      await writeFile(join(dir, 'vendors', 'siteassist-eu.yaml'), example);
      const { vendors } = await loadConfig(dir, { SITEASSIST_EU_BASE_URL: 'https://eu.siteassist.test', SITEASSIST_EU_TOKEN: 'eu-token' });
      const [eu, base] = vendors;
      expect(eu).toMatchObject({ name: 'siteassist-eu', baseUrl: 'https://eu.siteassist.test', auth: { type: 'bearer', token: 'eu-token' } });
      expect({ ...eu, name: base!.name, baseUrl: base!.baseUrl, auth: base!.auth }).toEqual(base);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
