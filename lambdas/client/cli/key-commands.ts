/**
 * `idp keys list` and `idp keys rotate` (README, "Rotating the signing key").
 *
 * Locally they work on the local IdP's key sets in its data folder (./local-key-set.ts); the running
 * local IdP reads them at start, so restart it after a rotation step. For an AWS stage
 * (`--stage`), `rotate` prints the config change to make: keys are KMS keys in the stage's CDK config,
 * and only `npx cdk deploy` changes them.
 */
import path from 'node:path';
import { str } from './args';
import type { Command, Invocation } from './command';
import { UsageError } from './command';
import { nonEmpty } from './credentials';
import type { LocalAlg } from './local-key-set';
import { LOCAL_ALGS, listKeys, rotateLocalKeys } from './local-key-set';
import { print, printJson, table } from './output';

const STAGES = ['dev', 'test', 'staging', 'prod'];
const KEY_ID = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;

const DATA_DIR_OPTION = {
  type: 'string' as const,
  value: 'DIR',
  description: "the local IdP's data folder (default: $IDP_DATA_DIR, else .idp)",
};

function dataDir(inv: Invocation): string {
  return path.resolve(inv.io.cwd, str(inv, 'data-dir') ?? nonEmpty(inv.io.env['IDP_DATA_DIR']) ?? '.idp');
}

function alg(inv: Invocation): LocalAlg {
  const value = str(inv, 'alg') ?? nonEmpty(inv.io.env['IDP_SIGNING_ALG']) ?? 'RS256';
  if (!LOCAL_ALGS.includes(value as LocalAlg)) throw new UsageError('--alg must be RS256 or ES256');
  return value as LocalAlg;
}

const RESTART = 'Restart the local IdP (npm start) to serve it: the key set is read at start.';

/** The two config edits and deploys of an AWS stage (docs/deploy.md, Signing keys). */
function awsRotation(stage: string, activeId: string, nextId: string, today: string): string {
  const deploy = `npx cdk deploy 'serverless-idp-${stage}/*'`;
  return [
    `Signing keys of stage ${stage} are KMS keys in its CDK config: the CLI cannot change them. Rotate with two`,
    'config changes and two deploys (README, "Rotating the signing key"), in lib/config.ts,',
    `STAGE_DEFAULTS.${stage}.signingKeys:`,
    '',
    `1. Publish a next key (it signs nothing yet):`,
    '',
    '     signingKeys: [',
    `       { id: '${activeId}', state: 'active' },`,
    `       { id: '${nextId}', state: 'next' },`,
    '     ],',
    '',
    `   ${deploy}`,
    '',
    '   Then wait at least 10 minutes: the JWKS is served with max-age=300 and the shipped authorizers refresh',
    '   it after 300 s (a day if verifiers outside this project use the JWKS).',
    '',
    `2. Make it active and retire the old key (retiredAt: the day of this deploy, or later):`,
    '',
    '     signingKeys: [',
    `       { id: '${activeId}', state: 'retired', retiredAt: '${today}' },`,
    `       { id: '${nextId}', state: 'active' },`,
    '     ],',
    '',
    `   ${deploy}`,
    '',
    `3. After retiredKeyRetention (30 days; synth warns when the time has come), remove '${activeId}' and deploy.`,
  ].join('\n');
}

/** The `keys` group. */
export const keyCommands: Command[] = [
  {
    name: 'keys list',
    args: [],
    summary: "list the local IdP's signing keys (kid, alg, state, created)",
    details:
      'Reads the key sets in the data folder (signing-keys-<alg>.json). The JWKS publishes every key listed;\n' +
      'the active one signs. On AWS the keys are in the stage config (lib/config.ts, signingKeys).',
    options: { 'data-dir': DATA_DIR_OPTION },
    async run(inv) {
      const keys = await listKeys(dataDir(inv));
      if (inv.json) return printJson(inv, keys);
      print(
        inv,
        keys.length === 0
          ? `(none: start the local IdP once to create its key in ${dataDir(inv)})`
          : table(
              ['KID', 'ALG', 'STATE', 'CREATED', 'RETIRED'],
              keys.map((k) => [k.kid, k.alg, k.state, k.createdAt, k.retiredAt]),
            ),
      );
    },
  },
  {
    name: 'keys rotate',
    args: [],
    summary: 'rotate the signing key in two steps: add a next key, then make it active',
    details:
      'Locally: with no next key, adds one (published in the JWKS, signs nothing); run it again to make the next\n' +
      'key active and retire the active one (still published, so its tokens keep verifying). Retired keys older\n' +
      'than 30 days are dropped. Restart the local IdP after each step.\n' +
      'With --stage: prints the config changes and cdk deploy commands for that AWS stage.',
    options: {
      'data-dir': DATA_DIR_OPTION,
      alg: {
        type: 'string',
        value: 'ALG',
        description: 'the key set: RS256 or ES256 (default: $IDP_SIGNING_ALG, else RS256)',
      },
      stage: {
        type: 'string',
        value: 'STAGE',
        description: 'an AWS stage (dev, test, staging, prod): print the config change',
      },
      active: {
        type: 'string',
        value: 'ID',
        description: "with --stage: the id of the stage's active key (default: initial)",
      },
      'next-id': {
        type: 'string',
        value: 'ID',
        description: 'with --stage: the id of the new key (default: k<today>)',
      },
    },
    async run(inv) {
      const stage = str(inv, 'stage');
      const now = new Date();
      if (stage !== undefined) {
        if (!STAGES.includes(stage)) throw new UsageError(`--stage must be one of ${STAGES.join(', ')}`);
        const today = now.toISOString().slice(0, 10);
        const activeId = str(inv, 'active') ?? 'initial';
        const nextId = str(inv, 'next-id') ?? `k${today.replace(/-/g, '')}`;
        for (const [name, id] of [
          ['active', activeId],
          ['next-id', nextId],
        ] as const) {
          if (!KEY_ID.test(id))
            throw new UsageError(`--${name} must be letters, digits and '-', starting with a letter`);
        }
        if (activeId === nextId) throw new UsageError('--next-id must differ from the active key id');
        if (inv.json) {
          return printJson(inv, {
            stage,
            steps: [
              {
                signingKeys: [
                  { id: activeId, state: 'active' },
                  { id: nextId, state: 'next' },
                ],
              },
              {
                signingKeys: [
                  { id: activeId, state: 'retired', retiredAt: today },
                  { id: nextId, state: 'active' },
                ],
              },
              { signingKeys: [{ id: nextId, state: 'active' }] },
            ],
            deploy: `npx cdk deploy 'serverless-idp-${stage}/*'`,
          });
        }
        return print(inv, awsRotation(stage, activeId, nextId, today));
      }
      const result = await rotateLocalKeys(dataDir(inv), alg(inv), now);
      if (inv.json) return printJson(inv, result);
      const dropped = result.removed.map((k) => `removed retired key ${k.kid} (retired ${k.retiredAt ?? ''})`);
      print(
        inv,
        [
          ...dropped,
          result.step === 'added-next'
            ? `added next key ${result.next.kid} (${result.next.alg}): published in the JWKS, signs nothing yet.\n` +
              'Run `idp keys rotate` again to make it active (once verifiers have fetched the JWKS).'
            : `promoted ${result.active.kid} to active; retired ${result.retired.kid} (still published, so its tokens keep verifying).`,
          RESTART,
        ].join('\n'),
      );
    },
  },
];
