/**
 * The set-password page behind a user's one-time setup link (docs/contract.md, "People › Set
 * password"): the username (for password managers), a new password and its confirmation, the setup
 * token as a hidden field, one submit button, and a clear error line when the rules refuse it.
 */
import { SET_PASSWORD_PATH } from '../endpoints/paths';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../people/password-policy';
import { html } from './html';
import type { PageContent } from './layout';
import { errorLine } from './layout';

export interface SetPasswordPageInput {
  token: string;
  username: string;
  error?: string;
}

export function setPasswordPage(input: SetPasswordPageInput): PageContent {
  return {
    title: 'Set your password',
    body: html`<p class="lead">for ${input.username}</p>
      ${errorLine(input.error)}
      <form method="post" action="${SET_PASSWORD_PATH}">
        <input type="hidden" name="token" value="${input.token}" />
        <input type="text" name="username" value="${input.username}" autocomplete="username" hidden readonly />
        <div class="field">
          <label for="password">New password</label>
          <input
            type="password"
            id="password"
            name="password"
            autocomplete="new-password"
            minlength="${MIN_PASSWORD_LENGTH}"
            maxlength="${MAX_PASSWORD_LENGTH}"
            aria-describedby="password-hint"
            required
            autofocus
          />
          <p class="hint" id="password-hint">At least ${MIN_PASSWORD_LENGTH} characters, not your username.</p>
        </div>
        <div class="field">
          <label for="confirmation">Confirm the new password</label>
          <input
            type="password"
            id="confirmation"
            name="confirmation"
            autocomplete="new-password"
            minlength="${MIN_PASSWORD_LENGTH}"
            maxlength="${MAX_PASSWORD_LENGTH}"
            required
          />
        </div>
        <div class="actions">
          <button type="submit">Set password</button>
        </div>
      </form> `,
  };
}
