/** The console's audit filter offers exactly the admin API's audit actions (console/src/audit-actions.ts). */
import { AUDIT_ACTIONS as CONSOLE_ACTIONS } from '../../../console/src/audit-actions';
import { AUDIT_ACTIONS } from '../../../lambdas/domain/admin/audit';

it('lists every audit action of the admin API, in its order, and no other', () => {
  expect(CONSOLE_ACTIONS).toEqual(AUDIT_ACTIONS);
});
