/**
 * What the hosted pages (authorize, sign-in, consent, logout, set-password) are built with: the
 * repositories they read and write through their ports, the password KDF, clock, ids, logs and the
 * issuer's settings. One object per cold start, shared by every endpoint of the sign-in function.
 */
import type { ApiRepository, ClientRepository, Clock, Logger, RegistrationIds } from '../ports';
import type {
  AuthorizationCodeRepository,
  AuthorizationRequestRepository,
  ConsentRepository,
  PasswordKdf,
  PasswordSetupRepository,
  RefreshSessionRepository,
  SignInSessionRepository,
  UserRepository,
} from './ports';

/** Default sign-in session lifetime: 12 hours (docs/contract.md, "People › Sign-in"). */
export const DEFAULT_SIGN_IN_SESSION_TTL = 12 * 3600;
/** A pending authorization request lives 10 minutes. */
export const AUTHORIZATION_REQUEST_TTL = 600;
/** An authorization code lives 60 seconds (RFC 6749 §4.1.2: "a maximum lifetime of 10 minutes is RECOMMENDED"; shorter here). */
export const AUTHORIZATION_CODE_TTL = 60;
/** Consecutive failed sign-ins that lock a username. */
export const LOCK_AFTER_FAILURES = 10;
/** How long a lock lasts, seconds. */
export const LOCK_SECONDS = 15 * 60;
/** The browser-binding cookie's lifetime, seconds (as long as a pending request). */
export const BROWSER_COOKIE_TTL = AUTHORIZATION_REQUEST_TTL;

/** Settings of the hosted pages. */
export interface HostedPagesConfig {
  /** The issuer, an origin without a trailing slash (`iss` of RFC 9207, the cookies' `Secure`). */
  issuer: string;
  /** Shown above every page; default the issuer's host. */
  displayName?: string;
  /** Sign-in session lifetime, seconds; default {@link DEFAULT_SIGN_IN_SESSION_TTL}. */
  signInSessionTtl?: number;
}

export interface HostedPagesDeps {
  clients: Pick<ClientRepository, 'loadClientBundle'>;
  /** `getApi`: unknown audiences (`invalid_target`) and the consent page's scope descriptions. */
  apis: Pick<ApiRepository, 'getApi'>;
  users: Pick<
    UserRepository,
    'findByUsername' | 'loadUser' | 'updateUser' | 'recordFailedSignIn' | 'recordSuccessfulSignIn'
  >;
  setups: PasswordSetupRepository;
  signInSessions: SignInSessionRepository;
  requests: AuthorizationRequestRepository;
  codes: Pick<AuthorizationCodeRepository, 'createCode'>;
  /**
   * The `maxSessionsPerUser` cap, applied when a code is issued to a client that receives refresh
   * tokens (the sign-in that is about to start one more session); absent: no cap is applied.
   */
  sessions?: Pick<RefreshSessionRepository, 'limitUserSessions'>;
  consents: ConsentRepository;
  kdf: PasswordKdf;
  clock: Clock;
  /** `eventId` of the audit event a password setup writes; `tokenId` for session ids. */
  ids: Pick<RegistrationIds, 'eventId'>;
  logger: Logger;
  /** New 256-bit handles (default handles.ts `newHandle`); tests make them deterministic. */
  newHandle?: () => string;
  config: HostedPagesConfig;
}
