/** The admin API as the admin commands reach it: a client with resolved credentials, and paging. */
import { AdminClient } from '../admin-client';
import type { Page } from '../admin-client';
import { TokenClient } from '../token-client';
import { flag, str } from './args';
import type { Invocation } from './command';
import { CliFailure } from './command';
import { adminCredentials, resolveIssuer } from './credentials';

/** An admin API client for the invocation's issuer and admin credentials. */
export async function adminClient(inv: Invocation): Promise<AdminClient> {
  const issuer = resolveIssuer(inv);
  const credentials = await adminCredentials(inv.io, issuer);
  const tokenClient = new TokenClient({
    issuer,
    ...credentials,
    fetch: inv.io.fetch,
  });
  return new AdminClient({ issuer, tokenClient });
}

/** One page from `--cursor`, or with `--all` every page from there (as one page without a cursor). */
export async function listing<T>(
  inv: Invocation,
  list: (cursor: string | undefined) => Promise<Page<T>>,
): Promise<Page<T>> {
  if (flag(inv, 'all')) {
    const items: T[] = [];
    let cursor = str(inv, 'cursor');
    for (let page = 0; page < 1000; page++) {
      const result = await list(cursor);
      items.push(...result.items);
      cursor = result.nextCursor;
      if (cursor === undefined) return { items };
    }
    throw new CliFailure('more than 1000 pages; narrow the listing');
  }
  return list(str(inv, 'cursor'));
}
