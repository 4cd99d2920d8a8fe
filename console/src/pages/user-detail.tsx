/**
 * One user: enable/disable, reset the password, delete, grants (what the person may hold on a
 * `userAccess: granted` API, such as the admin API) and refresh-token sessions with revoke
 * (`/admin/users/{id}/sessions`, docs/contract.md "Users"; a 404 there means the user is gone).
 */
import { useState } from 'preact/hooks';
import type { Grant, Page, Session, User } from '../api';
import { seg } from '../api';
import { useConsole } from '../context';
import { link, navigate } from '../router';
import { Dialog, Empty, ErrorNote, Loading, StatusBadge, When, useAction, useLoad, TextField } from '../ui';
import { DetailHead } from '../components/detail-head';
import { ConfirmDelete } from '../components/confirm-delete';
import { FormFooter } from '../components/form-footer';
import { ListTable } from '../components/list-table';
import { ApiSelect, ScopeChips, ScopeChoices, useScopeChoice } from '../components/scopes';

export function UserDetailPage(props: { userId: string }) {
  const { api } = useConsole();
  const path = `/admin/users/${seg(props.userId)}`;
  const loaded = useLoad(() => api.get<User>(path, 'this user'), [path]);
  const [user, setUser] = useState<User | undefined>(undefined);
  const [resetting, setResetting] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const current = user?.userId === props.userId ? user : loaded.data;
  if (loaded.loading && current === undefined) return <Loading what="the user" />;
  if (current === undefined) return <ErrorNote error={loaded.error} />;
  return (
    <section aria-labelledby="user-title">
      <DetailHead
        back={{ href: '/console/users', label: 'Users' }}
        titleId="user-title"
        title={current.username}
        item={current}
        path={path}
        what="this user"
        facts={
          <>
            {current.name ?? 'no name'} · {current.email ?? 'no email'} · <code>{current.userId}</code> · created{' '}
            <When at={current.createdAt} />
          </>
        }
        onChanged={setUser}
      >
        <button type="button" class="secondary" onClick={() => setResetting(true)}>
          Reset password
        </button>
        <button type="button" class="danger" onClick={() => setDeleting(true)}>
          Delete
        </button>
      </DetailHead>
      <GrantsCard path={path} />
      <SessionsCard path={path} />
      {resetting && (
        <ResetPasswordDialog
          user={current}
          path={path}
          onClose={(updated) => {
            setResetting(false);
            if (updated !== undefined) setUser(updated);
          }}
        />
      )}
      {deleting && (
        <ConfirmDelete
          what="user"
          name={current.username}
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await api.request(path, { method: 'DELETE', ifMatch: current.version, what: 'this user' });
            navigate('/console/users');
          }}
        />
      )}
    </section>
  );
}

function ResetPasswordDialog(props: { user: User; path: string; onClose: (updated?: User) => void }) {
  const { api } = useConsole();
  const [password, setPassword] = useState('');
  const action = useAction();
  return (
    <Dialog title={`Reset the password of ${props.user.username}`} onClose={() => props.onClose()}>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(async () => {
            props.onClose(
              await api.request<User>(props.path, {
                method: 'PATCH',
                body: { password },
                ifMatch: props.user.version,
                what: 'this user',
              }),
            );
          });
        }}
      >
        <TextField
          label="New password"
          hint="12 characters or more; it also clears a sign-in lock"
          error={action.error?.fields['password']}
          type="password"
          autoComplete="new-password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <FormFooter
          error={action.error}
          onCancel={() => props.onClose()}
          disabled={action.busy}
          submit="Set password"
        />
      </form>
    </Dialog>
  );
}

function GrantsCard(props: { path: string }) {
  const { api, readOnly } = useConsole();
  const grants = useLoad(() => api.get<Page<Grant>>(`${props.path}/grants`, 'the grants'), [props.path]);
  const choice = useScopeChoice();
  const { audience, scopes, setScopes, selected } = choice;
  const action = useAction();
  return (
    <div class="card">
      <h2>Grants</h2>
      <p class="muted">What this person may hold on APIs that admit people by grant (the admin API is one).</p>
      <ErrorNote error={grants.error} />
      {grants.loading && <Loading what="grants" />}
      {grants.data !== undefined && grants.data.items.length === 0 && (
        <Empty>
          <p>No grants.</p>
        </Empty>
      )}
      {grants.data !== undefined && grants.data.items.length > 0 && (
        <ul class="plain rows">
          {grants.data.items.map((grant) => (
            <li key={grant.audience}>
              <code>{grant.audience}</code> <ScopeChips scopes={grant.scopes} />
              {!readOnly && (
                <button
                  type="button"
                  class="danger small"
                  aria-label={`Remove the grant on ${grant.audience}`}
                  onClick={() =>
                    void action.run(async () => {
                      await api.request(`${props.path}/grants/${seg(grant.audience)}`, {
                        method: 'DELETE',
                        what: 'this grant',
                      });
                      grants.reload();
                    })
                  }
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {!readOnly && (
        <form
          class="subform"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void action.run(async () => {
              await api.request(`${props.path}/grants`, {
                method: 'POST',
                body: { audience, scopes },
                what: 'the grant',
              });
              setScopes([]);
              grants.reload();
            });
          }}
        >
          <h3>Grant</h3>
          <ApiSelect
            apis={choice.apis}
            value={audience}
            error={action.error?.fields['audience']}
            onChange={choice.chooseApi}
          />
          {selected !== undefined && <ScopeChoices api={selected} value={scopes} onChange={setScopes} />}
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

function SessionsCard(props: { path: string }) {
  const { api, readOnly } = useConsole();
  const sessions = useLoad(() => api.get<Page<Session>>(`${props.path}/sessions`, 'the sessions'), [props.path]);
  const action = useAction();
  const revoke = (suffix: string) =>
    action.run(async () => {
      await api.request(`${props.path}/sessions${suffix}`, { method: 'DELETE', what: 'the session' });
      sessions.reload();
    });
  return (
    <div class="card">
      <div class="page-head">
        <h2>Sessions</h2>
        {!readOnly && sessions.data !== undefined && sessions.data.items.some((s) => s.status === 'active') && (
          <button type="button" class="danger small" onClick={() => void revoke('')}>
            Revoke all
          </button>
        )}
      </div>
      <p class="muted">Refresh-token sessions: apps that keep this person signed in.</p>
      <ErrorNote error={sessions.error} />
      <ErrorNote error={action.error} />
      {sessions.loading && <Loading what="sessions" />}
      {sessions.data !== undefined && sessions.data.items.length === 0 && (
        <Empty>
          <p>No sessions.</p>
        </Empty>
      )}
      {sessions.data !== undefined && sessions.data.items.length > 0 && (
        <ListTable columns={['Client', 'Scope', 'Status', 'Started', 'Last used', 'Expires']} actions={!readOnly}>
          {sessions.data.items.map((s) => (
            <tr key={s.sessionId}>
              <td>
                <a
                  href={`/console/clients/${encodeURIComponent(s.clientId)}`}
                  onClick={link(`/console/clients/${encodeURIComponent(s.clientId)}`)}
                >
                  <code>{s.clientId}</code>
                </a>
              </td>
              <td>
                <ScopeChips scopes={s.scopes} />
              </td>
              <td>
                <StatusBadge status={s.status} />
                {s.revokedReason !== undefined && <span class="muted"> {s.revokedReason}</span>}
              </td>
              <td>
                <When at={s.createdAt} />
              </td>
              <td>
                <When at={s.lastUsedAt} />
              </td>
              <td>
                <When at={s.expiresAt} />
              </td>
              {!readOnly && (
                <td>
                  {s.status === 'active' && (
                    <button
                      type="button"
                      class="danger small"
                      aria-label={`Revoke session ${s.sessionId}`}
                      onClick={() => void revoke(`/${seg(s.sessionId)}`)}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </ListTable>
      )}
    </div>
  );
}
