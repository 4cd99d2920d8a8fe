/**
 * Attempts a change on a built-in client (idp-console, idp-cli) through the admin API of an in-memory
 * harness and reports whether anything changed: the stored client and its rules, and the audit log.
 * Placeholders `{name}` in the path (URL-encoded) and `"{name}"` strings in the body stand for `values`.
 */
import type { AdminHarness } from './in-memory-admin-repositories';

export async function attemptBuiltInClientChange(
  h: AdminHarness,
  clientId: string,
  request: { method: string; path: string; body: unknown; values: Record<string, string> },
) {
  const snapshot = () => {
    const stored = h.table.clients.get(clientId)!;
    return JSON.stringify({ client: stored.client, rules: [...stored.rules] });
  };
  const before = snapshot();
  const audit = h.table.audit.size;
  let path = request.path;
  let json = request.body === undefined ? undefined : JSON.stringify(request.body);
  for (const [name, value] of Object.entries(request.values)) {
    path = path.replace(`{${name}}`, encodeURIComponent(value));
    json = json?.replace(`"{${name}}"`, JSON.stringify(value));
  }
  const [pathname, query] = path.split('?');
  const res = await h.call(request.method, pathname!, {
    ...(json === undefined ? {} : { body: JSON.parse(json) as unknown }),
    query,
  });
  return { res, changed: snapshot() !== before, audited: h.table.audit.size - audit };
}
