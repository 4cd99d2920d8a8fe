/**
 * The head of a client's or a user's page: the way back to the list, the name with its status, a line of
 * facts, and (unless the console is read-only) Enable/Disable, then the page's other buttons.
 */
import type { ComponentChildren } from 'preact';
import { useConsole } from '../context';
import { link } from '../router';
import { StatusBadge } from '../ui';

export function DetailHead(props: {
  back: { href: string; label: string };
  titleId: string;
  title: string;
  status: 'enabled' | 'disabled';
  /** The facts under the title. */
  facts: ComponentChildren;
  /** Enable or disable it (PATCH `status`); the button is disabled while `busy`. */
  onToggle: () => void;
  busy: boolean;
  /** Further buttons after Enable/Disable. */
  children: ComponentChildren;
}) {
  const { readOnly } = useConsole();
  return (
    <>
      <p class="crumbs">
        <a href={props.back.href} onClick={link(props.back.href)}>
          ← {props.back.label}
        </a>
      </p>
      <div class="page-head">
        <div>
          <h1 id={props.titleId}>
            {props.title} <StatusBadge status={props.status} />
          </h1>
          <p class="muted">{props.facts}</p>
        </div>
        {!readOnly && (
          <div class="actions">
            <button type="button" class="secondary" onClick={props.onToggle} disabled={props.busy}>
              {props.status === 'enabled' ? 'Disable' : 'Enable'}
            </button>
            {props.children}
          </div>
        )}
      </div>
    </>
  );
}
