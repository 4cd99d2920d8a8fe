/** Signing keys: what the JWKS publishes (RFC 7517), the key that signs listed first. */
import { JWKS_PATH } from '../../../lambdas/domain/endpoints/paths';
import type { Jwk } from '../api';
import { jwtHeader } from '../auth';
import { useConsole } from '../context';
import { Empty, ErrorNote, Loading, useLoad } from '../ui';
import { ListTable } from '../components/list-table';
import { toApiError, ApiFailure } from '../api-error';

export function KeysPage() {
  const { config, session } = useConsole();
  const signedYours = (() => {
    try {
      return String(jwtHeader(session.accessToken)['kid']);
    } catch {
      return undefined;
    }
  })();
  const jwks = useLoad(async () => {
    const response = await fetch(`${config.issuer}${JWKS_PATH}`, { credentials: 'omit' });
    if (!response.ok) throw new ApiFailure(toApiError(response.status, undefined, 'the JWKS'));
    return (await response.json()) as { keys: Jwk[] };
  }, []);
  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">Signing keys</h1>
      <p class="muted">
        What <a href={`${config.issuer}${JWKS_PATH}`}>{`${config.issuer}${JWKS_PATH}`}</a> publishes; resource servers
        verify tokens with these keys. Keys are rotated in the stage's configuration (docs/deploy.md, Signing keys).
      </p>
      <ErrorNote error={jwks.error} />
      {jwks.loading && <Loading what="the JWKS" />}
      {jwks.data !== undefined && jwks.data.keys.length === 0 && (
        <Empty>
          <p>The JWKS publishes no key.</p>
        </Empty>
      )}
      {jwks.data !== undefined && jwks.data.keys.length > 0 && (
        <ListTable columns={['Key id (kid)', 'Type', 'Algorithm', 'Use', 'Size']}>
          {jwks.data.keys.map((key) => (
            <tr key={key.kid}>
              <td>
                <code>{key.kid}</code>
                {key.kid === signedYours && <span class="badge enabled">signed your token</span>}
              </td>
              <td>{key.kty}</td>
              <td>{key.alg ?? '—'}</td>
              <td>{key.use ?? '—'}</td>
              <td>{key.n !== undefined ? `${Math.floor((key.n.length * 6) / 8) * 8} bits` : (key.crv ?? '—')}</td>
            </tr>
          ))}
        </ListTable>
      )}
    </section>
  );
}
