/**
 * The head of a client's or a user's page: the way back to the list, the name with its status, a line of
 * facts, and (unless the console is read-only) Enable/Disable, then the page's other buttons; below, why
 * Enable/Disable failed (a 412 when someone else changed it first).
 */
import type { ComponentChildren } from 'preact';
import { useConsole } from '../context';
import { link } from '../router';
import { ErrorNote, StatusBadge, useAction } from '../ui';

export function DetailHead<T extends { status: 'enabled' | 'disabled'; version: number }>(props: {
  back: { href: string; label: string };
  titleId: string;
  title: string;
  /** The resource as last read or saved: its status, and the version a change is sent against. */
  item: T;
  /** Its admin API path, and what it is in messages ("this client"). */
  path: string;
  what: string;
  /** The facts under the title. */
  facts: ComponentChildren;
  /** Enable/Disable saved it (PATCH `status` with `If-Match`): the resource as it now is. */
  onChanged: (item: T) => void;
  /** Further buttons after Enable/Disable. */
  children: ComponentChildren;
}) {
  const { api, readOnly } = useConsole();
  const toggle = useAction();
  const { item } = props;
  const onToggle = () =>
    void toggle.run(async () => {
      const next = item.status === 'enabled' ? 'disabled' : 'enabled';
      props.onChanged(
        await api.request<T>(props.path, {
          method: 'PATCH',
          body: { status: next },
          ifMatch: item.version,
          what: props.what,
        }),
      );
    });
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
            {props.title} <StatusBadge status={item.status} />
          </h1>
          <p class="muted">{props.facts}</p>
        </div>
        {!readOnly && (
          <div class="actions">
            <button type="button" class="secondary" onClick={onToggle} disabled={toggle.busy}>
              {item.status === 'enabled' ? 'Disable' : 'Enable'}
            </button>
            {props.children}
          </div>
        )}
      </div>
      <ErrorNote error={toggle.error} />
    </>
  );
}
