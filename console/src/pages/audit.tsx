/**
 * The audit trail (docs/contract.md, "Audit trail"): newest first, filtered by who (actor), what (action,
 * target type, target id) and when (from, to); each event links to what it changed.
 */
import { useState } from 'preact/hooks';
import type { AuditEvent, Page } from '../api';
import { query } from '../api';
import { useConsole } from '../context';
import { link, setQuery, useLocation } from '../router';
import { Empty, ErrorNote, Loading, When, useLoad } from '../ui';
import { Pages, usePages } from '../components/paging';
import { ListTable } from '../components/list-table';
import { AUDIT_ACTIONS } from '../audit-actions';

const TARGET_TYPES = ['api', 'client', 'secret', 'rule', 'user', 'grant', 'session'];
const FILTERS = ['actor', 'actorUserId', 'action', 'targetType', 'targetId', 'from', 'to'] as const;

/** The console page of an event's target, when it has one. */
export function targetHref(event: Pick<AuditEvent, 'target' | 'action'>): string | undefined {
  if (event.action.endsWith('.delete') && (event.target.type === 'client' || event.target.type === 'user'))
    return undefined;
  const { type, id, clientId, userId } = event.target;
  if (type === 'client') return `/console/clients/${encodeURIComponent(id)}`;
  if (type === 'secret' && clientId !== undefined)
    return `/console/clients/${encodeURIComponent(clientId)}?tab=secrets`;
  if (type === 'rule' && clientId !== undefined) return `/console/clients/${encodeURIComponent(clientId)}?tab=rules`;
  if (type === 'user') return `/console/users/${encodeURIComponent(id)}`;
  if ((type === 'grant' || type === 'session') && userId !== undefined)
    return `/console/users/${encodeURIComponent(userId)}`;
  if (type === 'api') return '/console/apis';
  return undefined;
}

/** A short account of an event's changes: `status: enabled → disabled` for an update, else what happened. */
export function diffSummary(event: Pick<AuditEvent, 'action' | 'diff'>): string {
  const diff = event.diff ?? {};
  if (event.action.endsWith('.delete') || event.action.endsWith('.revoke')) return 'removed';
  if (event.action.endsWith('.create')) return 'created';
  const scalar = (v: unknown) =>
    v === undefined ? '—' : Array.isArray(v) ? v.join(' ') : typeof v === 'object' ? '…' : String(v);
  return (
    Object.entries(diff)
      .filter(([field]) => field !== 'createdAt' && field !== 'updatedAt')
      .map(([field, change]) => `${field}: ${scalar(change.from)} → ${scalar(change.to)}`)
      .join('; ') || '—'
  );
}

/** `2026-12-03T10:00` (a datetime-local value, local time) as ISO 8601 with a zone, as the API wants. */
export function toIsoFilter(local: string): string | undefined {
  if (local === '') return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function AuditPage() {
  const { api } = useConsole();
  const { search } = useLocation();
  const values = Object.fromEntries(FILTERS.map((f) => [f, search.get(f) ?? ''])) as Record<
    (typeof FILTERS)[number],
    string
  >;
  const [draft, setDraft] = useState(values);
  const { cursors, cursor } = usePages(search);
  const list = useLoad(
    () =>
      api.get<Page<AuditEvent>>(
        `/admin/audit${query({ ...values, from: toIsoFilter(values.from), to: toIsoFilter(values.to), limit: 25, cursor })}`,
        'the audit trail',
      ),
    [search.toString()],
  );
  const set = (key: (typeof FILTERS)[number]) => (e: Event) =>
    setDraft({ ...draft, [key]: (e.currentTarget as HTMLInputElement).value });
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit trail</h1>
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setQuery({ ...draft, pages: undefined });
        }}
      >
        <div class="field">
          <label for="audit-actor">Who: client id</label>
          <input id="audit-actor" value={draft.actor} onInput={set('actor')} />
        </div>
        <div class="field">
          <label for="audit-person">Who: person (user id)</label>
          <input id="audit-person" value={draft.actorUserId} onInput={set('actorUserId')} />
        </div>
        <div class="field">
          <label for="audit-action">Action</label>
          <select id="audit-action" value={draft.action} onChange={set('action')}>
            <option value="">Any</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="audit-type">Target type</label>
          <select id="audit-type" value={draft.targetType} onChange={set('targetType')}>
            <option value="">Any</option>
            {TARGET_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="audit-target">Target id</label>
          <input id="audit-target" value={draft.targetId} onInput={set('targetId')} />
        </div>
        <div class="field">
          <label for="audit-from">From</label>
          <input id="audit-from" type="datetime-local" value={draft.from} onInput={set('from')} />
        </div>
        <div class="field">
          <label for="audit-to">To</label>
          <input id="audit-to" type="datetime-local" value={draft.to} onInput={set('to')} />
        </div>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      <ErrorNote error={list.error} />
      {list.loading && <Loading what="the audit trail" />}
      {list.data !== undefined && list.data.items.length === 0 && (
        <Empty>
          <p>No event matches.</p>
        </Empty>
      )}
      {list.data !== undefined && list.data.items.length > 0 && (
        <ListTable columns={['When', 'Who', 'What', 'Target', 'Changes']}>
          {list.data.items.map((event) => {
            const href = targetHref(event);
            return (
              <tr key={event.id}>
                <td>
                  <When at={event.at} />
                </td>
                <td>
                  {event.actor.userId !== undefined ? (
                    <a
                      href={`/console/users/${encodeURIComponent(event.actor.userId)}`}
                      onClick={link(`/console/users/${encodeURIComponent(event.actor.userId)}`)}
                    >
                      {event.actor.username ?? event.actor.userId}
                    </a>
                  ) : (
                    <code>{event.actor.clientId ?? '—'}</code>
                  )}
                  {event.actor.userId !== undefined && event.actor.clientId !== undefined && (
                    <span class="muted"> via {event.actor.clientId}</span>
                  )}
                </td>
                <td>{event.action}</td>
                <td>
                  {event.target.type}{' '}
                  {href === undefined ? (
                    <code>{event.target.id}</code>
                  ) : (
                    <a href={href} onClick={link(href)}>
                      <code>{event.target.id}</code>
                    </a>
                  )}
                </td>
                <td class="diff">{diffSummary(event)}</td>
              </tr>
            );
          })}
        </ListTable>
      )}
      <Pages cursors={cursors} nextCursor={list.data?.nextCursor} />
    </section>
  );
}
