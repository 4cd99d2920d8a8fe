/** A JSON GET for the CLI's own look-ups (metadata, JWKS), failing as a {@link CliFailure}. */
import { CliFailure } from './command';

/** A JSON object from a GET, or a {@link CliFailure} saying why not. */
export async function getJson(doFetch: typeof fetch, url: string): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await doFetch(url, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new CliFailure(`cannot reach ${url}: ${(err as Error).message}`);
  }
  if (!response.ok) throw new CliFailure(`${url} answered ${response.status}`);
  const body: unknown = await response.json().catch(() => undefined);
  if (typeof body !== 'object' || body === null) throw new CliFailure(`${url} did not answer a JSON object`);
  return body as Record<string, unknown>;
}
