/**
 * The console's admin API calls: same origin (no CORS), the person's access token from memory, JSON in
 * and out, `If-Match` where a change must not overwrite someone else's (docs/contract.md, "Concurrency").
 * A 401 (the access token expired) hands over to the sign-in flow, which returns to the same page.
 */
import type {
  ApiView,
  AuditEventView,
  ClientView,
  GrantView,
  RuleView,
  SecretView,
  SessionView,
  UserView,
} from '../../lambdas/client/admin-views';
import type { ApiError } from './api-error';
import { ApiFailure, toApiError } from './api-error';

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

// The admin API's resources, as the token client declares them (docs/contract.md, "Admin API").
export type Client = ClientView;
export type Secret = SecretView;
export type Rule = RuleView;
export type ApiResource = ApiView;
export type User = UserView;
export type Grant = GrantView;
/** A refresh-token session (`/admin/users/{id}/sessions`): never a token or digest. */
export type Session = SessionView;
export type AuditEvent = AuditEventView;

export interface Jwk {
  kid: string;
  kty: string;
  alg?: string;
  use?: string;
  crv?: string;
  n?: string;
}

/** How the wrapper reaches the token and the sign-in flow. */
export interface ApiContext {
  issuer: string;
  accessToken(): string | undefined;
  /** The token was refused (expired, or the person disabled): sign in again and come back here. */
  onUnauthorized(error: ApiError): void;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** The version the person saw: sent as `If-Match: "<version>"`. */
  ifMatch?: number;
  /** What the request is about, for messages ("this client"). */
  what?: string;
}

export class AdminApi {
  constructor(private readonly context: ApiContext) {}

  async request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    const token = this.context.accessToken();
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
    let response: Response;
    try {
      response = await fetch(`${this.context.issuer}${path}`, {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: 'omit',
      });
    } catch {
      throw new ApiFailure(toApiError(0, undefined, options.what));
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const error = toApiError(response.status, body, options.what);
      if (response.status === 401) this.context.onUnauthorized(error);
      throw new ApiFailure(error);
    }
    return body as T;
  }

  get<T>(path: string, what?: string): Promise<T> {
    return this.request<T>(path, { what });
  }
}

/** A query string from the set values (empty ones left out). */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** A path segment, percent-encoded (API identifiers are URIs). */
export const seg = (value: string): string => encodeURIComponent(value);
