/** Users: search, status filter, paging; create with a password or a one-time setup link (shown once). */
import { useState } from 'preact/hooks';
import type { Page, User } from '../api';
import { query } from '../api';
import { useConsole } from '../context';
import { link, navigate, useLocation } from '../router';
import { CopyField, Dialog, Empty, ErrorNote, Loading, StatusBadge, When, useAction, useLoad, TextField } from '../ui';
import { SearchFilters } from '../components/filters';
import { Pages, usePages } from '../components/paging';
import { FormFooter } from '../components/form-footer';
import { ListTable } from '../components/list-table';

export function UsersPage() {
  const { api, readOnly } = useConsole();
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const status = search.get('status') ?? '';
  const { cursors, cursor } = usePages(search);
  const [creating, setCreating] = useState(false);
  const list = useLoad(
    () => api.get<Page<User>>(`/admin/users${query({ q, status, limit: 20, cursor })}`, 'the user list'),
    [q, status, cursor],
  );
  const items = list.data?.items ?? [];
  return (
    <section aria-labelledby="users-title">
      <div class="page-head">
        <h1 id="users-title">Users</h1>
        {!readOnly && (
          <button type="button" onClick={() => setCreating(true)}>
            Create user
          </button>
        )}
      </div>
      <SearchFilters id="user" searchLabel="Search by username, email, name or id" q={q} status={status} />
      <ErrorNote error={list.error} />
      {list.loading && <Loading what="users" />}
      {!list.loading && list.data !== undefined && items.length === 0 && (
        <Empty>
          <p>{q !== '' || status !== '' ? 'No user matches these filters.' : 'No users yet.'}</p>
        </Empty>
      )}
      {items.length > 0 && (
        <ListTable columns={['Username', 'Name', 'Email', 'Status', 'Created']}>
          {items.map((user) => {
            const href = `/console/users/${encodeURIComponent(user.userId)}`;
            return (
              <tr key={user.userId}>
                <td>
                  <a href={href} onClick={link(href)}>
                    {user.username}
                  </a>
                </td>
                <td>{user.name ?? '—'}</td>
                <td>{user.email ?? '—'}</td>
                <td>
                  <StatusBadge status={user.status} />
                </td>
                <td>
                  <When at={user.createdAt} />
                </td>
              </tr>
            );
          })}
        </ListTable>
      )}
      <Pages cursors={cursors} nextCursor={list.data?.nextCursor} />
      {creating && (
        <CreateUserDialog
          onClose={(created) => {
            setCreating(false);
            if (created) list.reload();
          }}
          onOpen={(userId) => navigate(`/console/users/${encodeURIComponent(userId)}`)}
        />
      )}
    </section>
  );
}

function CreateUserDialog(props: { onClose: (created: boolean) => void; onOpen: (userId: string) => void }) {
  const { api } = useConsole();
  const [username, setUsername] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [mode, setMode] = useState<'password' | 'link'>('password');
  const [password, setPassword] = useState('');
  const [created, setCreated] = useState<{ user: User; setupUrl?: string } | undefined>(undefined);
  const action = useAction();
  const fields = action.error?.fields ?? {};
  if (created !== undefined) {
    return (
      <Dialog key="created" title={`User ${created.user.username} created`} onClose={() => props.onClose(true)}>
        {created.setupUrl !== undefined ? (
          <>
            <p class="warning" role="note">
              Send this one-time link to the person: it is shown only now, works once and expires in 24 hours.
            </p>
            <CopyField label="Setup link" value={created.setupUrl} />
          </>
        ) : (
          <p>The user can sign in with the password you set.</p>
        )}
        <div class="actions">
          <button type="button" class="secondary" onClick={() => props.onOpen(created.user.userId)}>
            Open user
          </button>
          <button type="button" onClick={() => props.onClose(true)}>
            Done
          </button>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title="Create user" onClose={() => props.onClose(false)}>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(async () => {
            const body: Record<string, unknown> = { username: username.trim() };
            if (name.trim() !== '') body['name'] = name.trim();
            if (email.trim() !== '') body['email'] = email.trim();
            if (mode === 'password') body['password'] = password;
            setCreated(await api.request('/admin/users', { method: 'POST', body, what: 'the user' }));
          });
        }}
      >
        <TextField
          label="Username"
          error={fields['username']}
          value={username}
          autofocus
          autoComplete="off"
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
        <TextField
          label="Name (optional)"
          error={fields['name']}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <TextField
          label="Email (optional)"
          error={fields['email']}
          type="email"
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
        <fieldset class="choices">
          <legend>Password</legend>
          <label class="choice">
            <input
              type="radio"
              name="password-mode"
              checked={mode === 'password'}
              onChange={() => setMode('password')}
            />
            <span>Set a password now</span>
          </label>
          <label class="choice">
            <input type="radio" name="password-mode" checked={mode === 'link'} onChange={() => setMode('link')} />
            <span>Send a one-time setup link (the person chooses it)</span>
          </label>
        </fieldset>
        {mode === 'password' && (
          <TextField
            label="Password"
            hint="12 characters or more, not the username"
            error={fields['password']}
            type="password"
            autoComplete="new-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        )}
        <FormFooter
          error={action.error}
          onCancel={() => props.onClose(false)}
          disabled={action.busy}
          submit={action.busy ? 'Creating…' : 'Create'}
        />
      </form>
    </Dialog>
  );
}
