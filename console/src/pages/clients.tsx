/**
 * Clients: search by name or id, filter by status, order by creation (the admin API's `order`), page
 * through with its cursor (docs/contract.md, "Paging"). Filters, order and page live in the URL.
 * "Create client" opens the dialog that shows an M2M client's secret once.
 */
import { useState } from 'preact/hooks';
import type { Client, Page } from '../api';
import { query } from '../api';
import { useConsole } from '../context';
import { link, navigate, setQuery, useLocation } from '../router';
import { Empty, ErrorNote, Loading, StatusBadge, When, useLoad } from '../ui';
import { SearchFilters } from '../components/filters';
import { Pages, usePages } from '../components/paging';
import { ListTable } from '../components/list-table';
import { CreateClientDialog } from './create-client';

export const PAGE_SIZE = 20;

export function ClientsPage() {
  const { api, readOnly } = useConsole();
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const status = search.get('status') ?? '';
  const order = search.get('order') === 'oldest' ? 'oldest' : 'newest';
  const { cursors, cursor } = usePages(search);
  const [creating, setCreating] = useState(false);
  const list = useLoad(
    () =>
      api.get<Page<Client>>(
        `/admin/clients${query({ q, status, order: order === 'oldest' ? order : undefined, limit: PAGE_SIZE, cursor })}`,
        'the client list',
      ),
    [q, status, order, cursor],
  );
  const rows = list.data?.items ?? [];

  return (
    <section aria-labelledby="clients-title">
      <div class="page-head">
        <h1 id="clients-title">Clients</h1>
        {!readOnly && (
          <button type="button" onClick={() => setCreating(true)}>
            Create client
          </button>
        )}
      </div>
      <SearchFilters id="client" searchLabel="Search by name or id" q={q} status={status}>
        <div class="field">
          <label for="client-order">Created</label>
          <select
            id="client-order"
            value={order}
            onChange={(e) => setQuery({ order: e.currentTarget.value, pages: undefined })}
          >
            <option value="newest">Newest first</option>
            <option value="oldest">Oldest first</option>
          </select>
        </div>
      </SearchFilters>
      <ErrorNote error={list.error} />
      {list.loading && <Loading what="clients" />}
      {!list.loading && list.data !== undefined && rows.length === 0 && (
        <Empty>
          {q !== '' || status !== '' ? (
            <p>No client matches these filters.</p>
          ) : (
            <p>No clients yet.{readOnly ? '' : ' Create one to let a backend get tokens.'}</p>
          )}
        </Empty>
      )}
      {rows.length > 0 && (
        <ListTable columns={['Name', 'Client id', 'Type', 'Status', 'Created']} busy={list.loading}>
          {rows.map((client) => (
            <tr key={client.clientId}>
              <td>
                <a
                  href={`/console/clients/${encodeURIComponent(client.clientId)}`}
                  onClick={link(`/console/clients/${encodeURIComponent(client.clientId)}`)}
                >
                  {client.name}
                </a>
              </td>
              <td>
                <code>{client.clientId}</code>
              </td>
              <td>{clientKind(client)}</td>
              <td>
                <StatusBadge status={client.status} />
              </td>
              <td>
                <When at={client.createdAt} />
              </td>
            </tr>
          ))}
        </ListTable>
      )}
      <Pages cursors={cursors} nextCursor={list.data?.nextCursor} />
      {creating && (
        <CreateClientDialog
          onClose={(created) => {
            setCreating(false);
            if (created !== undefined) list.reload();
          }}
          onOpen={(clientId) => navigate(`/console/clients/${encodeURIComponent(clientId)}`)}
        />
      )}
    </section>
  );
}

/** What kind of client it is, in a few words. */
export function clientKind(client: Pick<Client, 'grantTypes' | 'tokenEndpointAuthMethod'>): string {
  if (client.grantTypes.includes('authorization_code')) {
    return client.tokenEndpointAuthMethod === 'none' ? 'Code flow, public' : 'Code flow, confidential';
  }
  return 'Machine to machine';
}
