/**
 * The admin API (docs/contract.md, admin API): routes `/admin/...` requests to their operations after
 * the checks every request goes through, in this order:
 * 1. a principal (from the authorizer) unless the route is public → else 401; for a person's token
 *    (`sub` ≠ `client_id`) the user, read once (strongly consistent), must exist and be enabled → else
 *    401 `invalid_token` (RFC 6750 §3.1), and the token's scopes count only as far as the person's
 *    grants on the admin API still allow (they were checked at issuance; a grant removed since then
 *    takes effect at once);
 * 2. path → 404 problem; method → 405 with `Allow`;
 * 3. the route's scope (defence in depth behind the authorizer) → 403 `insufficient_scope`;
 * 4. path parameters (percent-decoded) → 400 / 404; query → 400; `If-Match` → 400;
 * 5. body: ≤ 64 KiB → else 413; JSON media type → else 415; valid JSON nesting at most
 *    {@link MAX_JSON_NESTING} levels (checked before anything walks it, json.ts) → else 400; schema → 400.
 * Every response carries `Cache-Control: no-store`; errors are RFC 9457 problem+json (problem.ts).
 * Nothing about a request body is logged.
 */
import { adminAudience } from '../bootstrap';
import { ADMIN_OPENAPI_PATH } from '../endpoints/paths';
import { ConflictError, DependencyUnavailableError } from '../errors';
import type { HttpRequest, HttpResponse } from '../http';
import { mediaType } from '../http';
import { describeError } from '../errors';
import { MAX_JSON_NESTING, parseJson } from '../json';
import { HTTP_TOKEN, echoOr } from '../oauth-grammar';
import { InvalidCursorError } from '../ports';
import type { AdminPrincipal, AuditContext } from './audit';
import type { AdminDeps, OperationContext } from './context';
import { iso, parseIfMatch } from './context';
import { openApiDocument } from './openapi';
import { ProblemError, problemResponse, validationProblem } from './problem';
import { PATH_PARAMS, ROUTES } from './routes';
import type { AnyRoute } from './routes';
import { parseBody, parseQuery } from './validation';

export type { AdminPrincipal } from './audit';

/**
 * Description of the refusal of a person's token whose user is disabled or deleted: the same for both,
 * like the authorizer's `client disabled` (bearer-authorization.ts).
 */
export const USER_DISABLED_DESCRIPTION = 'user disabled';

/** Largest accepted request body. */
export const MAX_ADMIN_BODY_BYTES = 64 * 1024;

/** Media types accepted for request bodies (RFC 8259; RFC 7396 for PATCH). */
const JSON_TYPES: ReadonlySet<string> = new Set(['application/json', 'application/merge-patch+json']);

interface PathMatch {
  template: string;
  routes: AnyRoute[];
  /** Raw (still percent-encoded) parameter segments. */
  raw: Record<string, string>;
}

/** Route templates split into segments, grouped by template. */
const TEMPLATES: { template: string; segments: string[]; routes: AnyRoute[] }[] = [];
for (const route of ROUTES) {
  let entry = TEMPLATES.find((t) => t.template === route.path);
  if (entry === undefined) {
    entry = { template: route.path, segments: route.path.split('/'), routes: [] };
    TEMPLATES.push(entry);
  }
  entry.routes.push(route);
}

function matchPath(path: string): PathMatch | undefined {
  const segments = path.split('/');
  for (const t of TEMPLATES) {
    if (t.segments.length !== segments.length) continue;
    const raw: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      const expected = t.segments[i]!;
      const actual = segments[i]!;
      if (expected.startsWith('{') && expected.endsWith('}')) {
        if (actual === '') ok = false;
        else raw[expected.slice(1, -1)] = actual;
      } else if (expected !== actual) {
        ok = false;
      }
    }
    if (ok) return { template: t.template, routes: t.routes, raw };
  }
  return undefined;
}

/** Percent-decodes and checks path parameters. */
function decodeParams(raw: Record<string, string>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(value);
    } catch {
      throw validationProblem([{ parameter: name, detail: 'is not valid percent-encoding (RFC 3986 §2.1)' }]);
    }
    const spec = PATH_PARAMS[name]!;
    if (!spec.schema.safeParse(decoded).success)
      throw new ProblemError('not-found', `no ${spec.resource} matches this path`);
    params[name] = decoded;
  }
  return params;
}

/** The admin API over the core's HTTP shape. */
export class AdminApi {
  private openApi: string | undefined;

  constructor(private readonly deps: AdminDeps) {}

  /** Handles one request; `principal` is what the authorizer verified, `undefined` when nothing was. */
  async handle(req: HttpRequest, verified: AdminPrincipal | undefined): Promise<HttpResponse> {
    let template: string | undefined;
    let response: HttpResponse;
    let principal = verified;
    try {
      const match = matchPath(req.path);
      template = match?.template;
      const isPublic = match !== undefined && match.routes.every((r) => r.scope === undefined);
      if (principal === undefined && !isPublic) throw this.unauthorized();
      if (principal !== undefined && !isPublic) principal = await this.person(principal);
      response = await this.dispatch(req, principal, match);
    } catch (err) {
      response = this.errorResponse(err, req.path);
    }
    this.deps.logger.info('admin request', {
      method: req.method,
      route: template ?? 'unmatched',
      status: response.status,
      actor: principal?.clientId,
      ...(principal?.userId === undefined ? {} : { user: principal.userId }),
      jti: principal?.jti,
    });
    return response;
  }

  /**
   * A client's own token as it is; for a person's token, the person as they are now: an enabled user
   * (else 401 `invalid_token`), with the token's scopes narrowed to their current grant on the admin
   * API (`userAccess: granted`), and their username for the audit trail.
   * @throws ProblemError 401 `unauthorized` with `error="invalid_token"`
   */
  private async person(principal: AdminPrincipal): Promise<AdminPrincipal> {
    if (principal.userId === undefined) return principal;
    const bundle = await this.deps.users.loadUser(principal.userId);
    if (bundle === undefined || bundle.user.status !== 'enabled') {
      throw new ProblemError('unauthorized', USER_DISABLED_DESCRIPTION, {
        bearerError: 'invalid_token',
        headers: {
          'WWW-Authenticate':
            `Bearer realm="${this.deps.config.issuer}", error="invalid_token", ` +
            `error_description="${USER_DISABLED_DESCRIPTION}"`,
        },
      });
    }
    const audience = adminAudience(this.deps.config.issuer);
    const granted = new Set(bundle.grants.find((g) => g.audience === audience)?.scopes ?? []);
    return {
      ...principal,
      scopes: new Set([...principal.scopes].filter((s) => granted.has(s))),
      username: bundle.user.username,
    };
  }

  private async dispatch(
    req: HttpRequest,
    principal: AdminPrincipal | undefined,
    match: PathMatch | undefined,
  ): Promise<HttpResponse> {
    if (match === undefined) throw new ProblemError('not-found', 'no admin resource at this path');

    const route = match.routes.find((r) => r.method === req.method);
    if (route === undefined) {
      throw new ProblemError(
        'method-not-allowed',
        `${echoOr(req.method, 'this method', HTTP_TOKEN)} is not allowed on ${match.template}`,
        {
          headers: { Allow: match.routes.map((r) => r.method).join(', ') },
        },
      );
    }
    if (route.scope !== undefined) {
      if (principal === undefined) throw this.unauthorized();
      if (!principal.scopes.has(route.scope)) throw this.insufficientScope(route.scope);
    }

    const params = decodeParams(match.raw);
    const query = parseQuery(route.query, req.rawQuery);
    const ifMatch = route.ifMatch === true ? parseIfMatch(req.headers['if-match']) : undefined;
    const body = this.readBody(req, route);

    if (route.path === ADMIN_OPENAPI_PATH) {
      this.openApi ??= JSON.stringify(openApiDocument(this.deps.config.issuer));
      return {
        status: 200,
        headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
        body: this.openApi,
      };
    }

    const now = this.deps.clock.now();
    const ctx: OperationContext = {
      deps: this.deps,
      req,
      params,
      query,
      body,
      principal,
      ifMatch,
      now,
      audit: () => this.auditContext(principal!, now),
    };
    return route.handle(ctx);
  }

  private auditContext(principal: AdminPrincipal, now: number): AuditContext {
    const ctx: AuditContext = { principal, eventId: this.deps.ids.eventId(), at: iso(now) };
    const days = this.deps.config.auditRetentionDays;
    if (days !== undefined) ctx.expiresAt = Math.floor(now / 1000) + days * 86400;
    return ctx;
  }

  private readBody(req: HttpRequest, route: AnyRoute): unknown {
    if (req.body.byteLength > MAX_ADMIN_BODY_BYTES) {
      throw new ProblemError(
        'payload-too-large',
        `the body has ${req.body.byteLength} bytes; at most ${MAX_ADMIN_BODY_BYTES} are accepted`,
      );
    }
    if (route.body === undefined) return undefined;
    if (req.body.byteLength === 0 && route.bodyOptional === true) return parseBody(route.body, {});
    const type = mediaType(req.headers['content-type']);
    if (type === undefined || !JSON_TYPES.has(type.type) || (type.charset !== undefined && type.charset !== 'utf-8')) {
      throw new ProblemError('unsupported-media-type', 'the body must be application/json (UTF-8)');
    }
    if (req.body.byteLength === 0)
      throw new ProblemError('invalid-json', 'the body is empty; a JSON object is expected');
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(req.body);
    } catch {
      throw new ProblemError('invalid-json', 'the body is not valid UTF-8 JSON (RFC 8259)');
    }
    const parsed = parseJson(text);
    if (!parsed.ok && parsed.problem === 'too_deep') {
      throw validationProblem([{ pointer: '', detail: `nests deeper than ${MAX_JSON_NESTING} levels` }]);
    }
    if (!parsed.ok) throw new ProblemError('invalid-json', 'the body is not valid UTF-8 JSON (RFC 8259)');
    return parseBody(route.body, parsed.value);
  }

  private unauthorized(): ProblemError {
    // RFC 6750 §3: no error code when the request carried no credentials.
    return new ProblemError('unauthorized', 'a Bearer access token for the admin API is required', {
      headers: { 'WWW-Authenticate': `Bearer realm="${this.deps.config.issuer}"` },
    });
  }

  private insufficientScope(scope: string): ProblemError {
    // RFC 6750 §3.1 insufficient_scope, with the scope the route requires.
    return new ProblemError('insufficient-scope', `this operation requires the scope ${scope}`, {
      headers: {
        'WWW-Authenticate': `Bearer realm="${this.deps.config.issuer}", error="insufficient_scope", scope="${scope}"`,
      },
    });
  }

  private errorResponse(err: unknown, path: string): HttpResponse {
    if (err instanceof ProblemError) return problemResponse(err, path);
    if (err instanceof InvalidCursorError) {
      return problemResponse(
        validationProblem([{ parameter: 'cursor', detail: 'is not a cursor this listing issued' }]),
        path,
      );
    }
    if (err instanceof ConflictError) {
      return problemResponse(
        new ProblemError('version-conflict', 'the resource was changed concurrently; retry'),
        path,
      );
    }
    if (err instanceof DependencyUnavailableError) {
      this.deps.logger.warn('dependency unavailable', {
        dependency: err.dependency,
        throttled: err.throttled,
        cause: describeError(err.cause),
      });
      return problemResponse(
        new ProblemError('service-unavailable', 'the store is temporarily unavailable; retry', {
          headers: { 'Retry-After': '1' },
        }),
        path,
      );
    }
    this.deps.logger.error('unexpected error in the admin API', { error: describeError(err) });
    return problemResponse(new ProblemError('internal-error', 'internal server error'), path);
  }
}
