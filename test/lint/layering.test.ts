/**
 * The layering is enforced by lint (eslint.config.mjs; docs/architecture.md, "Layers"): each rule is
 * shown to fire on a fixture that breaks it, and a file that keeps to its layer passes. The fixtures are
 * a miniature of the repository's tree in a temporary folder, linted once by the ESLint CLI with the
 * project's own config (jest cannot load an ESM config in-process).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../..');

/** Files every fixture can import: one real module per layer. */
const TREE: Record<string, string> = {
  'lambdas/domain/model.ts': 'export const MODEL = 1;\n',
  'lambdas/domain/admin/service.ts': "import { MODEL } from '../model';\nexport const SERVICE = MODEL;\n",
  'lambdas/adapters/clock.ts': "import { MODEL } from '../domain/model';\nexport const CLOCK = MODEL;\n",
  'lambdas/handlers/handler.ts': "import { CLOCK } from '../adapters/clock';\nexport const HANDLER = CLOCK;\n",
  'lambdas/local/server.ts': "import { HANDLER } from '../handlers/handler';\nexport const SERVER = HANDLER;\n",
  'lambdas/client/client.ts': "import { readFile } from 'node:fs/promises';\nexport const CLIENT = readFile;\n",
  'lambdas/client/admin-views.ts': 'export const VIEWS = 1;\nexport interface ClientView {\n  clientId: string;\n}\n',
  'lambdas/client/verify/rules.ts':
    "import { JwtBaseError } from 'aws-jwt-verify/error';\nexport const RULES = JwtBaseError;\n",
  'lib/stack.ts': "import { MODEL } from '../lambdas/domain/model';\nexport const STACK = MODEL;\n",
  'lambdas/domain/endpoints/paths.ts': "export const TOKEN_PATH = '/oauth2/token';\n",
  // A cycle: a → b → a.
  'lambdas/domain/cycle-a.ts': "import { B } from './cycle-b';\nexport const A = 1;\nexport const AB = B;\n",
  'lambdas/domain/cycle-b.ts': "import { A } from './cycle-a';\nexport const B = A;\n",
};

/** A fixture that breaks a rule: where it stands, what it says, the one rule that must fire. */
interface Breach {
  file: string;
  code: string;
  rule: string;
}

const restricted = (file: string, code: string): Breach => ({ file, code, rule: 'import/no-restricted-paths' });
const packageBan = (file: string, code: string): Breach => ({ file, code, rule: 'no-restricted-imports' });

const BREACHES: Breach[] = [
  restricted('lambdas/domain/x1.ts', "import { CLOCK } from '../adapters/clock';\nexport const X = CLOCK;\n"),
  restricted('lambdas/domain/admin/x2.ts', "import { CLOCK } from '../../adapters/clock';\nexport const X = CLOCK;\n"),
  restricted(
    'lambdas/domain/admin/x3.ts',
    "import { HANDLER } from '../../handlers/handler';\nexport const X = HANDLER;\n",
  ),
  restricted('lambdas/domain/x4.ts', "import { SERVER } from '../local/server';\nexport const X = SERVER;\n"),
  restricted('lambdas/domain/x5.ts', "import { CLIENT } from '../client/client';\nexport const X = CLIENT;\n"),
  restricted('lambdas/domain/x6.ts', "import { STACK } from '../../lib/stack';\nexport const X = STACK;\n"),
  restricted('lambdas/adapters/x7.ts', "import { HANDLER } from '../handlers/handler';\nexport const X = HANDLER;\n"),
  restricted('lambdas/adapters/x8.ts', "import { SERVER } from '../local/server';\nexport const X = SERVER;\n"),
  restricted('lambdas/handlers/x9.ts', "import { SERVER } from '../local/server';\nexport const X = SERVER;\n"),
  restricted('lambdas/local/x10.ts', "import { CLIENT } from '../client/client';\nexport const X = CLIENT;\n"),
  restricted('lambdas/client/x11.ts', "import { MODEL } from '../domain/model';\nexport const X = MODEL;\n"),
  restricted('lambdas/client/x12.ts', "import { CLOCK } from '../adapters/clock';\nexport const X = CLOCK;\n"),
  restricted('lib/x13.ts', "import { HANDLER } from '../lambdas/handlers/handler';\nexport const X = HANDLER;\n"),
  restricted('lib/x14.ts', "import { CLIENT } from '../lambdas/client/client';\nexport const X = CLIENT;\n"),
  // Adapters may import lambdas/client/verify only, and it imports nothing else of the client.
  restricted('lambdas/adapters/x15.ts', "import { CLIENT } from '../client/client';\nexport const X = CLIENT;\n"),
  // The console (browser code) imports only console/src, packages and the shared path constants.
  restricted('console/src/x17.tsx', "import { MODEL } from '../../lambdas/domain/model';\nexport const X = MODEL;\n"),
  restricted(
    'console/src/x18.ts',
    "import { HANDLER } from '../../lambdas/handlers/handler';\nexport const X = HANDLER;\n",
  ),
  // …and the admin API view types of the token client, as types only.
  {
    file: 'console/src/x19.ts',
    code: "import { VIEWS } from '../../lambdas/client/admin-views';\nexport const X = VIEWS;\n",
    rule: '@typescript-eslint/no-restricted-imports',
  },
  restricted('console/src/x20.ts', "import { CLIENT } from '../../lambdas/client/client';\nexport const X = CLIENT;\n"),
  restricted('lambdas/client/verify/x16.ts', "import { CLIENT } from '../client';\nexport const X = CLIENT;\n"),
  packageBan(
    'lambdas/domain/admin/p1.ts',
    "import { KMSClient } from '@aws-sdk/client-kms';\nexport const X = KMSClient;\n",
  ),
  packageBan('lambdas/domain/admin/p2.ts', "import type { Context } from 'aws-lambda';\nexport type X = Context;\n"),
  packageBan(
    'lambdas/domain/p3.ts',
    "import { Logger } from '@aws-lambda-powertools/logger';\nexport const X = Logger;\n",
  ),
  packageBan('lambdas/domain/p4.ts', "import { readFile } from 'node:fs/promises';\nexport const X = readFile;\n"),
  packageBan('lambdas/client/p5.ts', "import { z } from 'zod';\nexport const X = z;\n"),
  packageBan('lambdas/client/cli/p6.ts', "import { z } from 'zod';\nexport const X = z;\n"),
  packageBan('lambdas/client/p7.ts', "import { JwtVerifier } from 'aws-jwt-verify';\nexport const X = JwtVerifier;\n"),
  packageBan('lambdas/client/verify/p8.ts', "import { z } from 'zod';\nexport const X = z;\n"),
  { file: 'lambdas/domain/e1.ts', code: "export const X = process.env['A'];\n", rule: 'no-restricted-properties' },
  // Outside the domain too, the environment is read only by the compose module's environment.ts.
  { file: 'lambdas/handlers/e2.ts', code: "export const X = process.env['A'];\n", rule: 'no-restricted-properties' },
  {
    file: 'lambdas/handlers/compose/e3.ts',
    code: 'export const X = (): string | undefined => process.env.A;\n',
    rule: 'no-restricted-properties',
  },
  { file: 'lambdas/adapters/e4.ts', code: "export const X = process.env['A'];\n", rule: 'no-restricted-properties' },
  { file: 'lambdas/local/e5.ts', code: "export const X = process.env['A'];\n", rule: 'no-restricted-properties' },
  { file: 'lambdas/domain/cycle-a.ts', code: TREE['lambdas/domain/cycle-a.ts']!, rule: 'import/no-cycle' },
];

/** Files that keep to their layer, beside the tree's own. */
const ALLOWED: Record<string, string> = {
  'lambdas/domain/ok-zod.ts': "import { z } from 'zod';\nexport const X = z;\n",
  'lambdas/domain/ok-crypto.ts': "import { createHash } from 'node:crypto';\nexport const X = createHash;\n",
  'lambdas/client/cli/ok-verify.ts': "import { JwtVerifier } from 'aws-jwt-verify';\nexport const X = JwtVerifier;\n",
  'lambdas/adapters/ok-client-verify.ts': "import { RULES } from '../client/verify/rules';\nexport const X = RULES;\n",
  'lambdas/client/cli/ok-client-verify.ts': "import { RULES } from '../verify/rules';\nexport const X = RULES;\n",
  'lambdas/handlers/ok-domain.ts': "import { SERVICE } from '../domain/admin/service';\nexport const X = SERVICE;\n",
  'lambdas/handlers/compose/environment.ts': 'export const functionEnvironment = () => process.env;\n',
  'lambdas/local/main.ts': "export const X = process.env['A'];\n",
  'console/src/ok-paths.tsx':
    "import { TOKEN_PATH } from '../../lambdas/domain/endpoints/paths';\nexport const X = <a href={TOKEN_PATH}>token</a>;\n",
  'console/src/ok-views.ts':
    "import type { ClientView } from '../../lambdas/client/admin-views';\nexport type X = ClientView;\n",
  'console/src/ok-preact.ts': "import { render } from 'preact';\nexport const X = render;\n",
};

let dir: string;
/** Rule ids reported per fixture file (relative path). */
const fired = new Map<string, string[]>();
/** Messages reported per fixture file. */
const messages = new Map<string, string[]>();

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'idp-layering-'));
  const files: Record<string, string> = { ...TREE, ...ALLOWED };
  for (const { file, code } of BREACHES) files[file] = code;
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  // Packages resolve as they do in the repository (and the import plugin wants a package root).
  await writeFile(path.join(dir, 'package.json'), '{"name": "layering-fixture", "private": true}\n');
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const eslint = path.join(ROOT, 'node_modules/eslint/bin/eslint.js');
  const config = path.join(ROOT, 'eslint.config.mjs');
  // ESLint exits 1 when it reports problems; the JSON report is on stdout either way.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [eslint, '--config', config, '--format', 'json', 'lambdas', 'lib', 'console'],
    { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
  ).catch((err: { stdout?: string; code?: number }) => {
    if (err.code === 1 && err.stdout !== undefined) return { stdout: err.stdout };
    throw err;
  });
  for (const result of JSON.parse(stdout) as {
    filePath: string;
    messages: { ruleId: string | null; message: string }[];
  }[]) {
    fired.set(
      path.relative(dir, result.filePath),
      result.messages.map((m) => m.ruleId ?? `fatal: ${m.message}`),
    );
    messages.set(
      path.relative(dir, result.filePath),
      result.messages.map((m) => m.message),
    );
  }
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('layer rules', () => {
  it.each(BREACHES.map((b) => [b.file, b.rule, b.code] as const))('%s breaks %s', (file, rule) => {
    expect(fired.get(file)).toEqual([rule]);
  });

  it('the domain keeps its own message for process.env; elsewhere the message names environment.ts', () => {
    expect(messages.get('lambdas/domain/e1.ts')).toEqual([
      "'process.env' is restricted from being used. The domain reads no environment; pass config in.",
    ]);
    expect(messages.get('lambdas/handlers/e2.ts')?.[0]).toContain('lambdas/handlers/compose/environment.ts');
  });

  it('files that keep to their layer pass', () => {
    for (const file of [...Object.keys(TREE), ...Object.keys(ALLOWED)]) {
      if (file.includes('cycle-')) continue;
      expect([file, fired.get(file)]).toEqual([file, []]);
    }
  });
});
