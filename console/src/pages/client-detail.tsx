/**
 * One client: enable/disable, delete (typed confirmation), and tabs — settings (saved with `If-Match`: a
 * 412 says someone else changed it), secrets (add → shown once, revoke, expiry, last used) and rules per
 * API with their scopes (docs/contract.md, "Clients", "Secrets", "Rules").
 */
import { useState } from 'preact/hooks';
import type { Client, Page, Rule, Secret } from '../api';
import { seg } from '../api';
import { useConsole } from '../context';
import { link, navigate, setQuery, useLocation } from '../router';
import {
  CopyField,
  Dialog,
  Empty,
  ErrorNote,
  Field,
  Loading,
  StatusBadge,
  When,
  useAction,
  useLoad,
  TextField,
} from '../ui';
import { DetailHead } from '../components/detail-head';
import { ConfirmDelete } from '../components/confirm-delete';
import { FormFooter } from '../components/form-footer';
import { clientKind } from './clients';
import { ListTable } from '../components/list-table';
import { ApiSelect, ScopeChips, ScopeChoices, useScopeChoice } from '../components/scopes';

const TABS = [
  ['settings', 'Settings'],
  ['secrets', 'Secrets'],
  ['rules', 'Rules'],
] as const;
type Tab = (typeof TABS)[number][0];

export function ClientDetailPage(props: { clientId: string }) {
  const { api } = useConsole();
  const { search } = useLocation();
  const tab: Tab = (TABS.find(([t]) => t === search.get('tab'))?.[0] ?? 'settings') as Tab;
  const path = `/admin/clients/${seg(props.clientId)}`;
  const loaded = useLoad(() => api.get<Client>(path, 'this client'), [path]);
  const [client, setClient] = useState<Client | undefined>(undefined);
  const [deleting, setDeleting] = useState(false);
  const current = client?.clientId === props.clientId ? client : loaded.data;

  if (loaded.loading && current === undefined) return <Loading what="the client" />;
  if (current === undefined) {
    return (
      <section>
        <p>
          <a href="/console/clients" onClick={link('/console/clients')}>
            ← Clients
          </a>
        </p>
        <ErrorNote error={loaded.error} />
      </section>
    );
  }
  return (
    <section aria-labelledby="client-title">
      <DetailHead
        back={{ href: '/console/clients', label: 'Clients' }}
        titleId="client-title"
        title={current.name}
        item={current}
        path={path}
        what="this client"
        facts={
          <>
            <code>{current.clientId}</code> · {clientKind(current)} · created <When at={current.createdAt} />
          </>
        }
        onChanged={setClient}
      >
        <button type="button" class="danger" onClick={() => setDeleting(true)}>
          Delete
        </button>
      </DetailHead>
      <nav class="tabs" aria-label="Client sections">
        {TABS.map(([value, label]) => (
          <a
            key={value}
            href={`?tab=${value}`}
            aria-current={tab === value ? 'page' : undefined}
            onClick={(event) => {
              event.preventDefault();
              setQuery({ tab: value });
            }}
          >
            {label}
          </a>
        ))}
      </nav>
      {tab === 'settings' && <SettingsTab client={current} path={path} onSaved={setClient} />}
      {tab === 'secrets' && <SecretsTab client={current} path={path} />}
      {tab === 'rules' && <RulesTab client={current} path={path} />}
      {deleting && (
        <ConfirmDelete
          what="client"
          name={current.name}
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await api.request(path, { method: 'DELETE', ifMatch: current.version, what: 'this client' });
            navigate('/console/clients');
          }}
        />
      )}
    </section>
  );
}

function SettingsTab(props: { client: Client; path: string; onSaved: (client: Client) => void }) {
  const { api, readOnly } = useConsole();
  const { client } = props;
  const [name, setName] = useState(client.name);
  const [description, setDescription] = useState(client.description ?? '');
  const [ttl, setTtl] = useState(client.accessTokenTtl === undefined ? '' : String(client.accessTokenTtl));
  const [redirects, setRedirects] = useState((client.redirectUris ?? []).join('\n'));
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const codeFlow = client.grantTypes.includes('authorization_code');
  const fields = action.error?.fields ?? {};
  const save = (event: Event) => {
    event.preventDefault();
    setSaved(false);
    void action.run(async () => {
      const body: Record<string, unknown> = {
        name: name.trim(),
        description: description.trim() === '' ? null : description.trim(),
        accessTokenTtl: ttl.trim() === '' ? null : Number(ttl),
      };
      if (codeFlow)
        body['redirectUris'] = redirects
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '');
      props.onSaved(
        await api.request<Client>(props.path, { method: 'PATCH', body, ifMatch: client.version, what: 'this client' }),
      );
      setSaved(true);
    });
  };
  return (
    <form class="card" onSubmit={save} noValidate>
      <TextField
        label="Name"
        error={fields['name']}
        value={name}
        disabled={readOnly}
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <TextField
        label="Description"
        error={fields['description']}
        value={description}
        disabled={readOnly}
        onInput={(e) => setDescription(e.currentTarget.value)}
      />
      <TextField
        label="Access token lifetime (seconds)"
        hint="Empty: the API's or the stage's default"
        error={fields['accessTokenTtl']}
        inputMode="numeric"
        value={ttl}
        disabled={readOnly}
        onInput={(e) => setTtl(e.currentTarget.value)}
      />
      {codeFlow && (
        <Field label="Redirect URIs" hint="One per line, exact match" error={fields['redirectUris']}>
          {(id, d) => (
            <textarea
              id={id}
              rows={3}
              aria-describedby={d}
              value={redirects}
              disabled={readOnly}
              onInput={(e) => setRedirects(e.currentTarget.value)}
            />
          )}
        </Field>
      )}
      <dl class="facts">
        <dt>Grant types</dt>
        <dd>{client.grantTypes.join(', ')}</dd>
        <dt>Token endpoint authentication</dt>
        <dd>{client.tokenEndpointAuthMethod}</dd>
        <dt>Version</dt>
        <dd>{client.version}</dd>
      </dl>
      <ErrorNote error={action.error} />
      {saved && (
        <p class="ok" role="status">
          Saved.
        </p>
      )}
      {!readOnly && (
        <div class="actions">
          <button type="submit" disabled={action.busy}>
            {action.busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      )}
    </form>
  );
}

function SecretsTab(props: { client: Client; path: string }) {
  const { api, readOnly } = useConsole();
  const list = useLoad(() => api.get<Page<Secret>>(`${props.path}/secrets`, 'the secrets'), [props.path]);
  const [adding, setAdding] = useState(false);
  const [expiry, setExpiry] = useState('');
  const [shown, setShown] = useState<{ id: string; value: string } | undefined>(undefined);
  const action = useAction();
  const isPublic = props.client.tokenEndpointAuthMethod === 'none';
  if (isPublic)
    return (
      <Empty>
        <p>A public client holds no secrets: it proves itself with PKCE.</p>
      </Empty>
    );
  const add = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const body = expiry === '' ? {} : { expiresAt: new Date(expiry).toISOString() };
      const created = await api.request<{ id: string; value: string }>(`${props.path}/secrets`, {
        method: 'POST',
        body,
        what: 'the secret',
      });
      setAdding(false);
      setExpiry('');
      setShown(created);
      list.reload();
    });
  };
  const revoke = (id: string) =>
    action.run(async () => {
      await api.request(`${props.path}/secrets/${seg(id)}`, { method: 'DELETE', what: 'this secret' });
      list.reload();
    });
  return (
    <div class="card">
      <div class="page-head">
        <h2>Secrets</h2>
        {!readOnly && (
          <button type="button" onClick={() => setAdding(true)}>
            Add secret
          </button>
        )}
      </div>
      <ErrorNote error={list.error ?? action.error} />
      {list.loading && <Loading what="secrets" />}
      {list.data !== undefined && list.data.items.length === 0 && (
        <Empty>
          <p>No secrets: this client cannot get tokens until one is added.</p>
        </Empty>
      )}
      {list.data !== undefined && list.data.items.length > 0 && (
        <ListTable columns={['Secret id', 'Status', 'Created', 'Expires', 'Last used']} actions={!readOnly}>
          {list.data.items.map((secret) => (
            <tr key={secret.id}>
              <td>
                <code>{secret.id}</code>
              </td>
              <td>
                <StatusBadge status={secret.status} />
              </td>
              <td>
                <When at={secret.createdAt} />
              </td>
              <td>
                <When at={secret.expiresAt} never="never" />
              </td>
              <td>
                <When at={secret.lastUsedAt} never="not yet" />
              </td>
              {!readOnly && (
                <td>
                  <button
                    type="button"
                    class="danger small"
                    onClick={() => void revoke(secret.id)}
                    aria-label={`Revoke secret ${secret.id}`}
                  >
                    Revoke
                  </button>
                </td>
              )}
            </tr>
          ))}
        </ListTable>
      )}
      {adding && (
        <Dialog title="Add secret" onClose={() => setAdding(false)}>
          <form onSubmit={add} noValidate>
            <TextField
              label="Expires (optional)"
              hint="Empty: never. Rotate by adding a secret, moving the caller, then revoking the old one."
              error={action.error?.fields['expiresAt']}
              type="datetime-local"
              value={expiry}
              onInput={(e) => setExpiry(e.currentTarget.value)}
            />
            <FormFooter error={action.error} onCancel={() => setAdding(false)} disabled={action.busy} submit="Add" />
          </form>
        </Dialog>
      )}
      {shown !== undefined && (
        <Dialog title="New secret" onClose={() => setShown(undefined)}>
          <p class="warning" role="note">
            This is the only time the secret is shown. Copy it now.
          </p>
          <CopyField label="Client secret" value={shown.value} />
          <div class="actions">
            <button type="button" onClick={() => setShown(undefined)}>
              Done
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}

function RulesTab(props: { client: Client; path: string }) {
  const { api, readOnly } = useConsole();
  const rules = useLoad(() => api.get<Page<Rule>>(`${props.path}/rules`, 'the rules'), [props.path]);
  const choice = useScopeChoice();
  const { audience, scopes, setScopes, selected } = choice;
  const subjectTypes: ('client' | 'user')[] = [
    ...(props.client.grantTypes.includes('client_credentials') ? (['client'] as const) : []),
    ...(props.client.grantTypes.includes('authorization_code') ? (['user'] as const) : []),
  ];
  const [subjectType, setSubjectType] = useState<'client' | 'user'>(subjectTypes[0] ?? 'client');
  const action = useAction();
  const grant = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await api.request(`${props.path}/rules`, {
        method: 'POST',
        body: { audience, scopes, ...(subjectType === 'user' ? { subjectType } : {}) },
        what: 'the rule',
      });
      setScopes([]);
      rules.reload();
    });
  };
  const remove = (rule: Rule) =>
    action.run(async () => {
      await api.request(`${props.path}/rules/${seg(rule.audience)}?subjectType=${rule.subjectType ?? 'client'}`, {
        method: 'DELETE',
        what: 'this rule',
      });
      rules.reload();
    });
  const fields = action.error?.fields ?? {};
  return (
    <div class="card">
      <h2>Rules</h2>
      <p class="muted">
        A rule lets this client obtain scopes on an API: for itself (client credentials) or for a signed-in user.
      </p>
      <ErrorNote error={rules.error} />
      {rules.loading && <Loading what="rules" />}
      {rules.data !== undefined && rules.data.items.length === 0 && (
        <Empty>
          <p>No rules: this client can get no token for any API yet.</p>
        </Empty>
      )}
      {rules.data !== undefined && rules.data.items.length > 0 && (
        <ListTable columns={['API', 'For', 'Scopes', 'Granted']} actions={!readOnly}>
          {rules.data.items.map((rule) => (
            <tr key={`${rule.audience} ${rule.subjectType ?? 'client'}`}>
              <td>
                <code>{rule.audience}</code>
              </td>
              <td>{rule.subjectType === 'user' ? 'users' : 'the client'}</td>
              <td>
                <ScopeChips scopes={rule.scopes} />
              </td>
              <td>
                <When at={rule.createdAt} />
              </td>
              {!readOnly && (
                <td>
                  <button
                    type="button"
                    class="danger small"
                    onClick={() => void remove(rule)}
                    aria-label={`Delete the rule on ${rule.audience}`}
                  >
                    Delete
                  </button>
                </td>
              )}
            </tr>
          ))}
        </ListTable>
      )}
      {!readOnly && subjectTypes.length > 0 && (
        <form class="subform" onSubmit={grant} noValidate>
          <h3>Grant a rule</h3>
          <ApiSelect apis={choice.apis} value={audience} error={fields['audience']} onChange={choice.chooseApi} />
          {subjectTypes.length > 1 && (
            <Field label="For" error={fields['subjectType']}>
              {(id, d) => (
                <select
                  id={id}
                  aria-describedby={d}
                  value={subjectType}
                  onChange={(e) => setSubjectType(e.currentTarget.value as 'client' | 'user')}
                >
                  <option value="client">The client itself</option>
                  <option value="user">Signed-in users</option>
                </select>
              )}
            </Field>
          )}
          {selected !== undefined && (
            <ScopeChoices api={selected} value={scopes} onChange={setScopes} describe error={fields['scopes']} />
          )}
          <ErrorNote error={action.error} />
          <div class="actions">
            <button type="submit" disabled={action.busy || audience === '' || scopes.length === 0}>
              Grant
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
