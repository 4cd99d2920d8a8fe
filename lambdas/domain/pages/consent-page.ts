/**
 * The consent page (docs/contract.md, "People › Consent"): the client's name, the scopes it asks for
 * (in words first — the API's description, or what an OIDC scope means — with the scope's value
 * beneath it; the value alone when there is no description), and one form with Allow and Deny buttons, the
 * pending request's handle and a CSRF token.
 */
import { CONSENT_PATH } from '../endpoints/paths';
import { html } from './html';
import type { PageContent } from './layout';

/** One requested scope as shown. */
export interface ScopeLine {
  scope: string;
  description?: string;
}

export interface ConsentPageInput {
  clientName: string;
  /** The API's name, when an API scope is asked for. */
  apiName?: string;
  scopes: ScopeLine[];
  request: string;
  csrf: string;
  /** Who is signed in. */
  username: string;
}

/** What the OIDC scopes mean, in words (OIDC Core §5.4). */
export const OIDC_SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  openid: 'Sign you in with your account',
  profile: 'Your name and username',
  email: 'Your email address',
};

export function consentPage(input: ConsentPageInput): PageContent {
  return {
    title: 'Allow access?',
    body: html`<p class="lead">
        <strong>${input.clientName}</strong> asks for access to your account
        <strong>${input.username}</strong>${input.apiName ? html` and to ${input.apiName}` : ''}:
      </p>
      <ul class="scopes">
        ${input.scopes.map((line) =>
          line.description
            ? html`<li><span>${line.description}</span><code>${line.scope}</code></li> `
            : html`<li><span>${line.scope}</span></li> `,
        )}
      </ul>
      <form method="post" action="${CONSENT_PATH}">
        <input type="hidden" name="request" value="${input.request}" />
        <input type="hidden" name="csrf" value="${input.csrf}" />
        <div class="actions">
          <button type="submit" name="decision" value="allow">Allow</button>
          <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
        </div>
      </form> `,
  };
}
