/**
 * `/admin/clients/{clientId}/secrets`: several secrets per client for rotation without downtime.
 * A new secret's value is shown once; listings show id, status, createdAt, expiresAt and lastUsedAt,
 * never a value or hash. Revoking deletes the secret, so it stops working at the next token request
 * (the token endpoint reads strongly consistent).
 *
 * lastUsedAt: the token path does not write per token. The client repository offers
 * `ClientRepository.touchSecret(clientId, secretId, at, minIntervalSeconds)`, a conditional update
 * that writes only when the stored `lastUsedAt` is older than the interval; the token endpoint's
 * `observe` hook (lambdas/domain/secret-usage.ts) calls it off the response path for issued tokens,
 * so a busy secret costs at most one write per interval (5 minutes), and the listing shows it.
 */
import type { z } from 'zod';
import { ConflictError } from '../errors';
import { echoOr } from '../oauth-grammar';
import { auditEvent, diffViews } from './audit';
import type { OperationContext } from './context';
import { json } from './context';
import { deleteClientPart } from './audited-writes';
import { clientLocation, loadBundle, newSecret, secretAuditView } from './clients-service';
import { secretExpired } from '../client-auth/client-authentication';
import { isPublicClient } from '../people/client-settings';
import { ProblemError, notFound, validationProblem } from './problem';
import type { SecretCreateSchema } from './schemas';
import { secretView } from './views';

type Ctx<B = unknown, Q = unknown> = OperationContext<B, Q>;

/** Secrets per client, expired ones included (a client deletion must fit one transaction). */
export const MAX_SECRETS_PER_CLIENT = 10;

export async function listSecrets(ctx: Ctx) {
  const bundle = await loadBundle(ctx, ctx.params['clientId']!);
  const items = [...bundle.secrets]
    .sort((a, b) =>
      a.createdAt === b.createdAt ? (a.secretId < b.secretId ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
    )
    .map((s) => secretView(s, ctx.now));
  return json(200, { items });
}

export async function addSecret(ctx: Ctx<z.output<typeof SecretCreateSchema>>) {
  const clientId = ctx.params['clientId']!;
  const bundle = await loadBundle(ctx, clientId);
  if (isPublicClient(bundle.client)) {
    // RFC 6749 §2.1: a public client cannot keep a secret confidential; it authenticates with none.
    throw new ProblemError(
      'public-client',
      `client ${clientId} is public (tokenEndpointAuthMethod none) and holds no secrets`,
    );
  }
  const expiresAt = ctx.body.expiresAt;
  if (expiresAt !== undefined && Date.parse(expiresAt) <= ctx.now) {
    throw validationProblem([{ pointer: '/expiresAt', detail: 'must be in the future' }]);
  }
  if (bundle.secrets.length >= MAX_SECRETS_PER_CLIENT) {
    throw new ProblemError(
      'limit-exceeded',
      `client ${clientId} has ${bundle.secrets.length} secrets, the most allowed; revoke one first`,
    );
  }
  const { value, secret } = newSecret(ctx, expiresAt);
  const audit = auditEvent(
    ctx.audit(),
    'secret.create',
    'secret',
    secret.secretId,
    diffViews(undefined, secretAuditView(secret)),
    { clientId },
  );
  try {
    await ctx.deps.clients.putSecret(clientId, secret, audit);
  } catch (err) {
    if (err instanceof ConflictError) throw notFound(`no client with id ${echoOr(clientId, '(not shown)')}`);
    throw err;
  }
  const created: Record<string, string> = { id: secret.secretId, value, createdAt: secret.createdAt };
  if (secret.expiresAt !== undefined) created['expiresAt'] = secret.expiresAt;
  return json(201, created, {
    Location: `${clientLocation(clientId)}/secrets/${encodeURIComponent(secret.secretId)}`,
  });
}

export async function revokeSecret(ctx: Ctx) {
  const clientId = ctx.params['clientId']!;
  const secretId = ctx.params['secretId']!;
  const bundle = await loadBundle(ctx, clientId);
  const secret = bundle.secrets.find((s) => s.secretId === secretId);
  const missing = `client ${clientId} has no secret ${echoOr(secretId, '(not shown)')}`;
  if (secret === undefined) throw notFound(missing);
  const remaining = bundle.secrets.filter((s) => s !== secret);
  return deleteClientPart(ctx, {
    bundle,
    after: { ...bundle, secrets: remaining },
    change: remaining.some((s) => !secretExpired(s, ctx.now))
      ? 'revoking this secret'
      : 'revoking its last active secret',
    action: 'secret.revoke',
    targetType: 'secret',
    targetId: secretId,
    view: secretAuditView(secret),
    remove: (audit) => ctx.deps.clients.deleteSecret(clientId, secretId, audit),
    missing,
  });
}
