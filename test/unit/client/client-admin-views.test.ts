/**
 * The client declares the admin API's wire shapes itself (lambdas/client/admin-views.ts) so that it
 * ships without the server's code. This file keeps the two in step at type-check time
 * (`npm run typecheck`): every view the server answers must be assignable to the client's.
 */
import type * as client from '../../../lambdas/client/admin-views';
import type * as serverUsers from '../../../lambdas/domain/admin/user-views';
import type * as server from '../../../lambdas/domain/admin/views';

/** Compiles only when `Server` is assignable to `Client`. */
type Fits<Server extends Client, Client> = Server extends Client ? true : never;

const fits: [
  Fits<server.ApiView, client.ApiView>,
  Fits<server.ClientView, client.ClientView>,
  Fits<server.SecretView, client.SecretView>,
  Fits<server.RuleView, client.RuleView>,
  Fits<server.AuditEventView, client.AuditEventView>,
  Fits<serverUsers.UserView, client.UserView>,
  Fits<serverUsers.GrantView, client.GrantView>,
] = [true, true, true, true, true, true, true];

describe('client admin views', () => {
  it('match the server views (checked by the type checker)', () => {
    expect(fits).toEqual([true, true, true, true, true, true, true]);
  });
});
