/**
 * The sign-in page (docs/contract.md, "People › Sign-in"): one `<form method="post">` to SIGN_IN_PATH
 * with labelled `username` and `password` inputs (autocomplete hints for password managers), the
 * pending request's handle and a CSRF token as hidden fields, and one submit button. Every failed
 * sign-in shows the same page with the same error line, whatever the reason.
 */
import { SIGN_IN_PATH } from '../endpoints/paths';
import { html } from './html';
import type { PageContent } from './layout';
import { errorLine } from './layout';

/** The one message of every failed sign-in: unknown user, wrong password, disabled, locked. */
export const SIGN_IN_FAILED = 'The username or password is incorrect, or this account cannot sign in right now.';

export interface SignInPageInput {
  /** The client's name, shown as what the user signs in to. */
  clientName: string;
  /** The pending request's handle. */
  request: string;
  csrf: string;
  /** Prefilled: `login_hint` at first, then what the user typed. */
  username?: string;
  error?: string;
}

export function signInPage(input: SignInPageInput): PageContent {
  return {
    title: 'Sign in',
    body: html`<p class="lead">to continue to ${input.clientName}</p>
      ${errorLine(input.error)}
      <form method="post" action="${SIGN_IN_PATH}">
        <input type="hidden" name="request" value="${input.request}" />
        <input type="hidden" name="csrf" value="${input.csrf}" />
        <div class="field">
          <label for="username">Username</label>
          <input
            type="text"
            id="username"
            name="username"
            value="${input.username ?? ''}"
            autocomplete="username"
            autocapitalize="none"
            spellcheck="false"
            maxlength="128"
            required${input.username ? '' : html` autofocus`}
          />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input
            type="password"
            id="password"
            name="password"
            autocomplete="current-password"
            maxlength="256"
            required${input.username ? html` autofocus` : ''}
          />
        </div>
        <div class="actions">
          <button type="submit">Sign in</button>
        </div>
      </form> `,
  };
}
