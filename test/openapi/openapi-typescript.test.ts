/**
 * /openapi.json is good enough to generate a client from: openapi-typescript (a devDependency of
 * packages/client, beside the TypeScript 5 it needs) turns it into types with no warning, and the
 * generated types equal the ones @switchboard/client ships, checked by the compiler.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startHarness } from '../helpers/harness.js';

const run = promisify(execFile);

/** openapi-typescript's CLI, as packages/client installs it. */
function generatorCli(): string {
  const entry = createRequire(join(ROOT, 'packages/client/package.json')).resolve('openapi-typescript');
  return join(entry.slice(0, entry.lastIndexOf('/openapi-typescript/') + '/openapi-typescript'.length), 'bin/cli.js');
}

let tmp: string;
let generated: { stdout: string; stderr: string };
let output: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'sb-openapi-ts-'));
  const h = await startHarness();
  try {
    const doc = await h.get('/openapi.json');
    expect(doc.status).toBe(200);
    await writeFile(join(tmp, 'openapi.json'), JSON.stringify(doc.body));
  } finally {
    await h.close();
  }
  // The ruleset openapi-typescript means to lint with. Its own default doesn't apply it (it passes
  // `extends` where @redocly/openapi-core 1.x reads `customExtends`), so a config file names it.
  await writeFile(join(tmp, 'redocly.yaml'), 'extends:\n  - minimal\n');
  generated = await run(process.execPath, [generatorCli(), 'openapi.json', '--redocly', 'redocly.yaml', '--output', 'generated.ts'], { cwd: tmp, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' } });
  output = await readFile(join(tmp, 'generated.ts'), 'utf8');
}, 30_000);

afterAll(async () => {
  if (tmp && !process.env.KEEP_TMP) await rm(tmp, { recursive: true, force: true });
});

describe('openapi-typescript on /openapi.json', () => {
  it('generates with zero warnings under its minimal Redocly ruleset (servers declared, open routes say security: [])', () => {
    expect(generated.stderr).toBe('');
    expect(generated.stdout).not.toMatch(/⚠|✘|warn|error/i);
    expect(generated.stdout).toContain('openapi.json → generated.ts');
  });

  it('the output has the schemas and operations, and its types equal the client package\'s (tsc)', async () => {
    expect(output).toMatch(/^\s{8}ConversationList: \{$/m);
    expect(output).toContain('listConversations: {');
    expect(output).toContain('get: operations["listConversations"];');
    const client = join(ROOT, 'packages/client/src/index.js');
    await writeFile(
      join(tmp, 'check.mts'),
      `import type { components, operations, paths } from './generated.js';
import type * as Client from ${JSON.stringify(client)};
import type { Same } from ${JSON.stringify(join(ROOT, 'src/openapi/same.js'))};
type S = components['schemas'];
type List = operations['listConversations'];
type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type ProblemOf<R> = R extends { content: { 'application/problem+json': infer B } } ? B : never;
// Exactly equal, for the conversation and error contracts. \`raw\` is any JSON: the document spells it as every
// JSON type (Scalar's page refuses a schema without one), which the generator types as a union where the
// client says \`unknown\`; everything else must be the same.
type NoRaw<T> = Omit<T, 'raw'>;
type Page<L extends { data: unknown }> = Omit<L, 'data'>;
type Whole = Client.ConversationList<Client.Conversation | Client.ConversationFields>;
export const same: [
  Same<NoRaw<S['Conversation']>, NoRaw<Client.Conversation>>, Same<NoRaw<S['ConversationFields']>, NoRaw<Client.ConversationFields>>,
  Same<S['Message'], Client.Message>, Same<S['SourceReport'], Client.SourceReport>,
  Same<S['ExplainedPlan'], Client.ExplainedPlan>, Same<S['MissedVendor'], Client.MissedVendor>, Same<Page<S['ConversationList']>, Page<Whole>>,
  Same<S['Problem'], Client.Problem>, Same<S['ErrorCode'], Client.ErrorCode>, Same<S['VendorError'], Client.VendorError>,
  Same<S['Health'], Client.Health>, Same<S['Readiness'], Client.Readiness>,
  Same<paths['/conversations']['get'], List>,
  Same<Page<Json<List['responses'][200]>>, Page<Whole>>,
  Same<ProblemOf<List['responses'][400]>, Client.Problem>,
  Same<keyof NonNullable<List['parameters']['query']>, keyof Client.ListParams>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];
// Any JSON the document allows for raw is a value the client's type takes.
export const raw: Client.Conversation['raw'] = null as unknown as S['Conversation']['raw'];
// The document names each filter and order field where the client has a record over them: assignable.
export const vendors: Client.VendorList = null as unknown as Json<operations['listVendors']['responses'][200]>;
`,
    );
    await writeFile(
      join(tmp, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [], strict: true, noEmit: true, skipLibCheck: false }, files: ['check.mts'] }),
    );
    await run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: tmp }).catch((e: { stdout: string }) => expect.fail(e.stdout));
  });
});
