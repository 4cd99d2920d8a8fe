/**
 * Where the token endpoint is: configured, or read once from the issuer's RFC 8414 metadata; and which
 * URLs may carry the client secret at all.
 */
import type { RetryingHttp } from './retrying-http';
import { isTransient, readJson } from './retrying-http';
import { TokenClientError, TokenNetworkError } from './token-errors';

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether a URL may carry the client secret: https, or http to a loopback host (or to any host when
 * `allowInsecureHttp`).
 * @throws TokenClientError naming `what` when it may not, or is not a URL
 */
export function checkUrl(url: string, what: string, allowInsecureHttp: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TokenClientError(`${what} is not a URL: ${url}`);
  }
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:' && (allowInsecureHttp || LOOPBACK_HOSTS.has(parsed.hostname))) return parsed;
  throw new TokenClientError(`${what} must be an https URL (http only for localhost): ${url}`);
}

/**
 * RFC 8414 §3: the metadata URL of an issuer — `/.well-known/oauth-authorization-server` inserted
 * between the host and the issuer's path.
 */
export function metadataUrl(issuer: string): string {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}/.well-known/oauth-authorization-server${path}`;
}

/** Where {@link TokenEndpointResolver} finds the endpoint: exactly one of the two. */
export interface EndpointSource {
  tokenEndpoint?: string;
  issuer?: string;
}

/** Endpoints besides the token endpoint that the client may discover (RFC 8414 §2, RFC 7009, RFC 7662). */
export type MetadataEndpoint = 'revocation_endpoint' | 'introspection_endpoint';

/**
 * The token endpoint (and the revocation and introspection endpoints), configured or read from the
 * issuer's metadata — once; a failed discovery is tried again next time.
 */
export class TokenEndpointResolver {
  readonly #source: EndpointSource;
  readonly #http: RetryingHttp;
  readonly #allowInsecureHttp: boolean;
  #metadata: Promise<Record<string, unknown>> | undefined;

  constructor(source: EndpointSource, http: RetryingHttp, allowInsecureHttp: boolean) {
    this.#source = source;
    this.#http = http;
    this.#allowInsecureHttp = allowInsecureHttp;
  }

  tokenEndpoint(): Promise<string> {
    if (this.#source.tokenEndpoint !== undefined) return Promise.resolve(this.#source.tokenEndpoint);
    return this.#endpointOf('token_endpoint');
  }

  /**
   * Another endpoint from the issuer's metadata.
   * @throws TokenClientError without an issuer (only a token endpoint was configured), or when the
   *   metadata does not name it
   */
  metadataEndpoint(name: MetadataEndpoint): Promise<string> {
    if (this.#source.issuer === undefined) {
      return Promise.reject(new TokenClientError(`${name} is not configured and there is no issuer to discover it`));
    }
    return this.#endpointOf(name);
  }

  async #endpointOf(name: 'token_endpoint' | MetadataEndpoint): Promise<string> {
    const url = metadataUrl(this.#source.issuer!);
    const endpoint = (await this.#loadMetadata())[name];
    if (typeof endpoint !== 'string') throw new TokenClientError(`the metadata at ${url} has no ${name}`);
    checkUrl(endpoint, name, this.#allowInsecureHttp);
    return endpoint;
  }

  #loadMetadata(): Promise<Record<string, unknown>> {
    if (this.#metadata === undefined) {
      const discovery = this.#discover(this.#source.issuer!);
      this.#metadata = discovery;
      discovery.catch(() => {
        if (this.#metadata === discovery) this.#metadata = undefined;
      });
    }
    return this.#metadata;
  }

  async #discover(issuer: string): Promise<Record<string, unknown>> {
    const url = metadataUrl(issuer);
    const metadata = await this.#http.withRetries('discovery', async () => {
      const response = await this.#http.send(url, { headers: { Accept: 'application/json' } });
      if (response instanceof TokenNetworkError) return { ok: false, error: response, retryable: true };
      const body = await readJson(response);
      if (!response.ok || body === undefined) {
        const error = new TokenClientError(`discovery at ${url} answered ${response.status}`);
        return {
          ok: false,
          error,
          retryable: isTransient(response.status, ''),
          retryAfterMs: this.#http.retryAfterMs(response),
        };
      }
      return { ok: true, value: body };
    });
    // RFC 8414 §3.3: the metadata's issuer MUST be identical to the issuer it was requested for.
    if (metadata['issuer'] !== issuer) {
      throw new TokenClientError(`the metadata at ${url} is for issuer ${String(metadata['issuer'])}, not ${issuer}`);
    }
    return metadata;
  }
}
