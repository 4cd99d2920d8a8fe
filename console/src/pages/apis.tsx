/** APIs (audiences) and their scopes; create one in a dialog (docs/contract.md, "APIs"). */
import { useState } from 'preact/hooks';
import type { ApiResource, Page } from '../api';
import { query, seg } from '../api';
import { useConsole } from '../context';
import { useLocation } from '../router';
import { Dialog, Empty, ErrorNote, Field, Loading, When, useAction, useLoad, TextField } from '../ui';
import { ConfirmDelete } from '../components/confirm-delete';
import { Pages, usePages } from '../components/paging';
import { FormFooter } from '../components/form-footer';

/** Scope lines `value description…` as the API wants them. */
export function parseScopeLines(text: string): { value: string; description?: string }[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [value = '', ...rest] = line.split(/\s+/);
      const description = rest.join(' ');
      return description === '' ? { value } : { value, description };
    });
}

export function ApisPage() {
  const { api, readOnly } = useConsole();
  const { search } = useLocation();
  const { cursors } = usePages(search);
  const list = useLoad(
    () =>
      api.get<Page<ApiResource>>(`/admin/apis${query({ limit: 20, cursor: cursors[cursors.length - 1] })}`, 'the APIs'),
    [cursors.join(',')],
  );
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<ApiResource | undefined>(undefined);
  const [deleting, setDeleting] = useState<ApiResource | undefined>(undefined);
  return (
    <section aria-labelledby="apis-title">
      <div class="page-head">
        <h1 id="apis-title">APIs</h1>
        {!readOnly && (
          <button type="button" onClick={() => setCreating(true)}>
            Create API
          </button>
        )}
      </div>
      <p class="muted">
        An API is an audience (the token's <code>aud</code>) with the scopes clients may be granted on it.
      </p>
      <ErrorNote error={list.error} />
      {list.loading && <Loading what="APIs" />}
      {list.data !== undefined && list.data.items.length === 0 && (
        <Empty>
          <p>No APIs yet.</p>
        </Empty>
      )}
      <div class="cards">
        {(list.data?.items ?? []).map((item) => (
          <article class="card" key={item.identifier}>
            <h2>{item.name}</h2>
            <p>
              <code>{item.identifier}</code>
            </p>
            <p class="muted">
              {item.userAccess === 'granted' ? 'People need a grant' : 'Any signed-in person'} ·{' '}
              {item.accessTokenTtl === undefined ? 'default token lifetime' : `tokens live ${item.accessTokenTtl} s`} ·
              created <When at={item.createdAt} />
            </p>
            <ul class="plain scopes">
              {item.scopes.map((scope) => (
                <li key={scope.value}>
                  <span class="scope">{scope.value}</span>{' '}
                  {scope.description && <span class="muted">{scope.description}</span>}
                </li>
              ))}
            </ul>
            {!readOnly && (
              <div class="actions">
                <button type="button" class="secondary small" onClick={() => setEditing(item)}>
                  Edit scopes
                </button>
                <button type="button" class="danger small" onClick={() => setDeleting(item)}>
                  Delete
                </button>
              </div>
            )}
          </article>
        ))}
      </div>
      <Pages cursors={cursors} nextCursor={list.data?.nextCursor} />
      {editing !== undefined && (
        <EditScopesDialog
          item={editing}
          onClose={(saved) => {
            setEditing(undefined);
            if (saved) list.reload();
          }}
        />
      )}
      {deleting !== undefined && (
        <ConfirmDelete
          what="API"
          name={deleting.name}
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await api.request(`/admin/apis/${seg(deleting.identifier)}`, {
              method: 'DELETE',
              ifMatch: deleting.version,
              what: 'this API',
            });
            setDeleting(undefined);
            list.reload();
          }}
        />
      )}
      {creating && (
        <CreateApiDialog
          onClose={(created) => {
            setCreating(false);
            if (created) list.reload();
          }}
        />
      )}
    </section>
  );
}

/** The API's scopes as lines (`value description`), saved with `If-Match` (docs/contract.md, "APIs"). */
function EditScopesDialog(props: { item: ApiResource; onClose: (saved: boolean) => void }) {
  const { api } = useConsole();
  const [scopes, setScopes] = useState(
    props.item.scopes.map((s) => (s.description === undefined ? s.value : `${s.value} ${s.description}`)).join('\n'),
  );
  const action = useAction();
  return (
    <Dialog title={`Scopes of ${props.item.name}`} onClose={() => props.onClose(false)}>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(async () => {
            await api.request(`/admin/apis/${seg(props.item.identifier)}`, {
              method: 'PATCH',
              body: { scopes: parseScopeLines(scopes) },
              ifMatch: props.item.version,
              what: 'this API',
            });
            props.onClose(true);
          });
        }}
      >
        <Field
          label="Scopes"
          hint="One per line: the scope, then an optional description. A scope a rule still grants cannot be removed."
          error={action.error?.fields['scopes']}
        >
          {(id, d) => (
            <textarea
              id={id}
              rows={6}
              aria-describedby={d}
              value={scopes}
              onInput={(e) => setScopes(e.currentTarget.value)}
            />
          )}
        </Field>
        <FormFooter error={action.error} onCancel={() => props.onClose(false)} disabled={action.busy} submit="Save" />
      </form>
    </Dialog>
  );
}

function CreateApiDialog(props: { onClose: (created: boolean) => void }) {
  const { api } = useConsole();
  const [identifier, setIdentifier] = useState('');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState('');
  const action = useAction();
  const fields = action.error?.fields ?? {};
  return (
    <Dialog title="Create API" onClose={() => props.onClose(false)}>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(async () => {
            await api.request('/admin/apis', {
              method: 'POST',
              body: { identifier: identifier.trim(), name: name.trim(), scopes: parseScopeLines(scopes) },
              what: 'the API',
            });
            props.onClose(true);
          });
        }}
      >
        <TextField
          label="Identifier (audience)"
          hint="An absolute URI, e.g. https://orders.example.com"
          error={fields['identifier']}
          value={identifier}
          autofocus
          onInput={(e) => setIdentifier(e.currentTarget.value)}
        />
        <TextField label="Name" error={fields['name']} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <Field label="Scopes" hint="One per line: the scope, then an optional description" error={fields['scopes']}>
          {(id, d) => (
            <textarea
              id={id}
              rows={4}
              aria-describedby={d}
              value={scopes}
              onInput={(e) => setScopes(e.currentTarget.value)}
            />
          )}
        </Field>
        <FormFooter error={action.error} onCancel={() => props.onClose(false)} disabled={action.busy} submit="Create" />
      </form>
    </Dialog>
  );
}
