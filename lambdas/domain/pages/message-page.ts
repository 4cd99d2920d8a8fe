/**
 * Pages that only say something: an error that cannot go back to the app (an unknown client, a
 * redirect URI that is not registered, an expired sign-in), signed out, password set.
 */
import { html } from './html';
import type { PageContent } from './layout';

export function messagePage(title: string, ...paragraphs: string[]): PageContent {
  return { title, body: html`${paragraphs.map((p) => html`<p>${p}</p> `)}` };
}
