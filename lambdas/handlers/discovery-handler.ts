/**
 * Discovery Lambda handler: RFC 8414 metadata at `/.well-known/oauth-authorization-server` and
 * `/.well-known/openid-configuration`, and the JWKS at `/.well-known/jwks.json`. Public keys come
 * from a {@link KeySource} that caches them per cold start; they are never fetched per request.
 */
import { DependencyUnavailableError } from '../domain/errors';
import type { HttpResponse } from '../domain/http';
import { jsonResponse } from '../domain/http';
import { authorizationServerMetadata } from '../domain/metadata';
import type { KeySource, Logger, SigningAlgorithm } from '../domain/ports';
import { describeError } from '../domain/errors';
import type { HttpApiHandler } from './api-gateway';
import { lazyHandler, toHttpRequest, toResult } from './api-gateway';
import { awsLogger, composeDiscoveryDeps, guardedByOrigin } from './compose';

export interface DiscoveryDeps {
  issuer: string;
  signingAlgorithms: SigningAlgorithm[];
  keySource: KeySource;
  logger: Logger;
}

export const METADATA_PATHS = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];
export const JWKS_PATH = '/.well-known/jwks.json';

/** Metadata changes only with a deployment; keys are cached for less than a rotation's overlap. */
const METADATA_CACHE = 'public, max-age=3600';
const JWKS_CACHE = 'public, max-age=300';

export function makeHandler(deps: DiscoveryDeps): HttpApiHandler {
  const metadata = JSON.stringify(authorizationServerMetadata(deps));
  return async (event) => {
    const req = toHttpRequest(event);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return toResult(jsonResponse(405, { error: 'method_not_allowed' }, { Allow: 'GET, HEAD' }));
    }
    if (METADATA_PATHS.includes(req.path)) {
      return toResult({
        status: 200,
        headers: { 'Content-Type': 'application/json', 'Cache-Control': METADATA_CACHE },
        body: metadata,
      });
    }
    if (req.path === JWKS_PATH) return toResult(await jwks(deps));
    return toResult(jsonResponse(404, { error: 'not_found' }));
  };
}

async function jwks(deps: DiscoveryDeps): Promise<HttpResponse> {
  try {
    const keys = await deps.keySource.publicJwks();
    // RFC 7517 §5: a JWK Set.
    return jsonResponse(200, { keys }, { 'Cache-Control': JWKS_CACHE }, 'application/jwk-set+json');
  } catch (err) {
    const unavailable = err instanceof DependencyUnavailableError;
    deps.logger.error('JWKS unavailable', { error: describeError(err) });
    return jsonResponse(
      unavailable ? 503 : 500,
      { error: unavailable ? 'temporarily_unavailable' : 'server_error' },
      unavailable ? { 'Retry-After': '1', 'Cache-Control': 'no-store' } : { 'Cache-Control': 'no-store' },
    );
  }
}

const unavailable = (err: unknown) => {
  awsLogger().error('discovery handler initialisation failed', { error: describeError(err) });
  return toResult(jsonResponse(503, { error: 'temporarily_unavailable' }, { 'Retry-After': '1' }));
};

export const handler: HttpApiHandler = guardedByOrigin(
  lazyHandler(composeDiscoveryDeps, makeHandler, unavailable),
  unavailable,
);
