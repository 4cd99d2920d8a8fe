/**
 * Child process: our local server (lambdas/local/local-idp.ts) in memory, with the bench API and
 * client seeded, the signer and the outcome hook wrapped with counters (`overrideTokenDeps`). Started
 * by bench/run.ts with `BENCH_ALG` (RS256 | ES256) and `BENCH_TOKEN_REUSE` (`true` for a client that
 * opted in to token reuse) and `BENCH_STORE` (`memory`: each client bundle is kept in memory after its
 * first read, so requests do no DynamoDB I/O, like the peer); talks to it over IPC
 * (bench/child-protocol.ts).
 *
 * With `BENCH_GRANT=authorization_code` (the code-exchange bench) it seeds a public code-flow client
 * and a user instead (`seedBenchCodeFlow`), answers `prepare` with codes created through the code
 * repository (`createBenchCodes`), and counts every DynamoDB command the SDK client sends (a
 * middleware at the `initialize` step, as test/support/dynalite.ts counts them), reported in `stats`.
 * With `BENCH_STORE=memory` as well, codes live in memory and the user bundle is kept after its first
 * read (bench/memory-codes.ts), so an exchange makes no DynamoDB call, like the peer's in-memory adapter.
 *
 * Production-like: `NODE_ENV=production`, logs are JSON lines on stderr, warnings and errors only.
 */
import type { ClientBundle } from '../lambdas/domain/model';
import type { Logger, TokenPathReads, TokenSigner } from '../lambdas/domain/ports';
import { startLocalIdp } from '../lambdas/local/local-idp';
import type { ChildMessage, ParentMessage } from './child-protocol';
import { InMemoryCodes, memoizedUsers } from './memory-codes';
import type { BenchCodeFlow } from './fixtures';
import {
  CODE_REDIRECT_URI,
  TOKEN_TTL,
  createBenchCodes,
  createBenchRefreshTokens,
  seedBenchClient,
  seedBenchCodeFlow,
} from './fixtures';

const logger: Logger = {
  info: () => {},
  warn: (message, fields) => console.error(JSON.stringify({ level: 'WARN', message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'ERROR', message, ...fields })),
};

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const alg = process.env['BENCH_ALG'];
  if (alg !== 'RS256' && alg !== 'ES256') throw new Error(`BENCH_ALG must be RS256 or ES256, got ${alg}`);
  const tokenReuse = process.env['BENCH_TOKEN_REUSE'] === 'true';
  const memoryStore = process.env['BENCH_STORE'] === 'memory';
  const codeMode = process.env['BENCH_GRANT'] === 'authorization_code';
  // BENCH_REFRESH=1: the code-flow client also has refresh_token; `prepare` kind `refresh` makes sessions.
  const refreshMode = codeMode && process.env['BENCH_REFRESH'] === '1';
  const storeCalls: Record<string, number> = {};
  const memoryCodes = new InMemoryCodes();

  const counts = { signCalls: 0, issued: 0, reused: 0, denied: 0 };
  const idp = await startLocalIdp(
    { port: 0, host: '127.0.0.1', alg, defaultAccessTokenTtl: TOKEN_TTL },
    {
      logger,
      instrumentDynamoDb: (client) =>
        client.middlewareStack.add(
          (next, context) => async (args) => {
            const name = context.commandName ?? 'unknown';
            storeCalls[name] = (storeCalls[name] ?? 0) + 1;
            return next(args);
          },
          { step: 'initialize', name: 'benchCountCommands' },
        ),
      overrideTokenDeps: (deps) => {
        const inner = deps.signer;
        const signer: TokenSigner = {
          alg: inner.alg,
          kid: inner.kid,
          sign: (input) => {
            counts.signCalls += 1;
            return inner.sign(input);
          },
        };
        const bundles = new Map<string, Promise<ClientBundle | undefined>>();
        const store: TokenPathReads = {
          loadClientBundle: (clientId) => {
            let bundle = bundles.get(clientId);
            if (bundle === undefined) {
              bundle = deps.store.loadClientBundle(clientId);
              bundles.set(clientId, bundle);
            }
            return bundle;
          },
          apiExists: (identifier) => deps.store.apiExists(identifier),
        };
        return {
          ...deps,
          store: memoryStore ? store : deps.store,
          people:
            memoryStore && codeMode
              ? { ...deps.people, codes: memoryCodes, users: memoizedUsers(deps.people.users) }
              : deps.people,
          signer,
          observe: (outcome) => {
            if (outcome.outcome === 'issued') {
              counts.issued += 1;
              if (outcome.reused) counts.reused += 1;
            } else {
              counts.denied += 1;
            }
            deps.observe?.(outcome);
          },
        };
      },
    },
  );
  let flow: BenchCodeFlow | undefined;
  let credentials = { clientId: '', clientSecret: '' };
  if (codeMode) flow = await seedBenchCodeFlow(idp, { refreshTokens: refreshMode });
  else credentials = await seedBenchClient(idp, { tokenReuse });

  let cpu = process.cpuUsage();
  const stats = (): ChildMessage => {
    const used = process.cpuUsage(cpu);
    return {
      type: 'stats',
      cpuUs: used.user + used.system,
      ...counts,
      ...(codeMode ? { storeCalls: { ...storeCalls } } : {}),
    };
  };
  const prepare = async (count: number, kind: 'code' | 'refresh' = 'code'): Promise<ChildMessage> => {
    if (flow === undefined) throw new Error('prepare needs BENCH_GRANT=authorization_code');
    if (kind === 'refresh' && (!refreshMode || memoryStore)) throw new Error('refresh tokens need BENCH_REFRESH=1');
    const started = Date.now();
    const codes =
      kind === 'refresh'
        ? await createBenchRefreshTokens(idp.repositories.sessions, flow, count)
        : await createBenchCodes(memoryStore ? memoryCodes : idp.repositories.codes, flow, count);
    return { type: 'prepared', codes, ms: Date.now() - started };
  };
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'reset') {
      Object.assign(counts, { signCalls: 0, issued: 0, reused: 0, denied: 0 });
      for (const name of Object.keys(storeCalls)) delete storeCalls[name];
      cpu = process.cpuUsage();
      send(stats());
    } else if (message.type === 'stats') {
      send(stats());
    } else if (message.type === 'prepare') {
      prepare(message.count, message.kind).then(send, (err: unknown) =>
        send({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
      );
    } else if (message.type === 'stop') {
      void idp.stop().finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => void idp.stop().finally(() => process.exit(0)));

  send({
    type: 'ready',
    url: `http://127.0.0.1:${idp.port}`,
    issuer: idp.issuer,
    jwksUri: `http://127.0.0.1:${idp.port}/.well-known/jwks.json`,
    ...credentials,
    ...(flow === undefined
      ? {}
      : {
          codeFlow: {
            clientId: flow.clientId,
            redirectUri: CODE_REDIRECT_URI,
            username: flow.username,
            password: flow.password,
          },
        }),
  });
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  console.error(err);
  process.exit(1);
});
