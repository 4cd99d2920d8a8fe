/**
 * The create-client dialog. Machine to machine: `client_credentials` with `client_secret_basic`; the
 * answer's secret is shown **once**, with a Copy button and the ready `curl` the API returns. Code flow:
 * `authorization_code` (public — an SPA or native app, `none` — or confidential), its redirect URIs, then
 * the authorization and token endpoint URLs an OAuth library needs (docs/contract.md, "Clients").
 */
import { useState } from 'preact/hooks';
import type { Client } from '../api';
import { useConsole } from '../context';
import { CopyField, Dialog, Field, useAction } from '../ui';
import { FormFooter } from '../components/form-footer';

type Kind = 'm2m' | 'spa' | 'web';

interface Created {
  client: Client;
  secret?: { id: string; value: string };
  curl?: string;
  endpoints?: { authorization: string; token: string };
}

/** The request body for a kind of client. */
export function createClientBody(
  kind: Kind,
  name: string,
  description: string,
  redirectUris: string[],
): Record<string, unknown> {
  const body: Record<string, unknown> = { name };
  if (description !== '') body['description'] = description;
  if (kind === 'm2m')
    return { ...body, grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_basic' };
  return {
    ...body,
    grantTypes: ['authorization_code'],
    tokenEndpointAuthMethod: kind === 'spa' ? 'none' : 'client_secret_basic',
    redirectUris,
  };
}

export function CreateClientDialog(props: { onClose: (created?: Client) => void; onOpen: (clientId: string) => void }) {
  const { api } = useConsole();
  const [kind, setKind] = useState<Kind>('m2m');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [redirects, setRedirects] = useState('');
  const [created, setCreated] = useState<Created | undefined>(undefined);
  const action = useAction();
  const uris = redirects
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

  if (created !== undefined) {
    const { client } = created;
    return (
      // A new key: a new dialog, so focus moves into it (the form it replaces held the focus).
      <Dialog key="created" title={`Client “${client.name}” created`} onClose={() => props.onClose(client)} wide>
        <CopyField label="Client id" value={client.clientId} />
        {created.secret !== undefined && (
          <>
            <p class="warning" role="note">
              This is the only time the secret is shown. Copy it now and keep it in your secret store; it cannot be read
              again (add a new secret if it is lost).
            </p>
            <CopyField label="Client secret" value={created.secret.value} />
          </>
        )}
        {created.curl !== undefined && (
          <>
            <CopyField label="Get a token (curl)" value={created.curl} multiline />
            <p class="hint">
              It answers a token once the client holds a rule on an API (Open client → Rules); put that API's identifier
              in place of YOUR_API_IDENTIFIER.
            </p>
          </>
        )}
        {created.endpoints !== undefined && (
          <>
            <CopyField label="Authorization endpoint" value={created.endpoints.authorization} />
            <CopyField label="Token endpoint" value={created.endpoints.token} />
            <div class="field">
              <span class="label">Redirect URIs</span>
              <ul class="plain">
                {(client.redirectUris ?? []).map((uri) => (
                  <li key={uri}>
                    <code>{uri}</code>
                  </li>
                ))}
              </ul>
            </div>
            <p class="hint">Use PKCE with S256 (required for every client).</p>
          </>
        )}
        <div class="actions">
          <button type="button" class="secondary" onClick={() => props.onOpen(client.clientId)}>
            Open client
          </button>
          <button type="button" onClick={() => props.onClose(client)}>
            Done
          </button>
        </div>
      </Dialog>
    );
  }

  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const result = await api.request<Created>('/admin/clients', {
        method: 'POST',
        body: createClientBody(kind, name.trim(), description.trim(), uris),
        what: 'the client',
      });
      setCreated(result);
    });
  };
  const fields = action.error?.fields ?? {};
  return (
    <Dialog title="Create client" onClose={() => props.onClose()}>
      <form onSubmit={submit} noValidate>
        <fieldset class="choices">
          <legend>Type</legend>
          {(
            [
              ['m2m', 'Machine to machine', 'a backend that gets tokens with its own secret (client credentials)'],
              ['spa', 'Single-page or native app', 'people sign in; public, no secret (code flow + PKCE)'],
              ['web', 'Web app with a server', 'people sign in; the server holds a secret (code flow + PKCE)'],
            ] as const
          ).map(([value, label, hint]) => (
            <label key={value} class="choice">
              <input type="radio" name="kind" value={value} checked={kind === value} onChange={() => setKind(value)} />
              <span>
                <strong>{label}</strong> <span class="muted">— {hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <Field label="Name" error={fields['name']}>
          {(id, describedBy) => (
            <input
              id={id}
              aria-describedby={describedBy}
              aria-invalid={fields['name'] !== undefined}
              value={name}
              required
              autofocus
              onInput={(e) => setName(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="Description (optional)" error={fields['description']}>
          {(id, describedBy) => (
            <input
              id={id}
              aria-describedby={describedBy}
              value={description}
              onInput={(e) => setDescription(e.currentTarget.value)}
            />
          )}
        </Field>
        {kind !== 'm2m' && (
          <Field
            label="Redirect URIs"
            hint="One per line, exact match: https://…, http://127.0.0.1:port/… for local apps, or com.example.app:/callback"
            error={fields['redirectUris']}
          >
            {(id, describedBy) => (
              <textarea
                id={id}
                rows={3}
                aria-describedby={describedBy}
                aria-invalid={fields['redirectUris'] !== undefined}
                value={redirects}
                onInput={(e) => setRedirects(e.currentTarget.value)}
              />
            )}
          </Field>
        )}
        <FormFooter
          error={action.error}
          onCancel={() => props.onClose()}
          disabled={action.busy}
          submit={action.busy ? 'Creating…' : 'Create'}
        />
      </form>
    </Dialog>
  );
}
