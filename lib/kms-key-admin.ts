/** Key policy actions for account administrators of this app's KMS keys (lib/stateful-stack.ts, lib/envelope-signing.ts). */

/**
 * What account administrators may do with the signing key: manage it, never use it. Signing and
 * public-key reads are granted only to the function roles. (A key policy must leave the account
 * able to manage the key, or KMS refuses it as a lock-out.)
 */
export const KEY_ADMIN_ACTIONS: readonly string[] = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:PutKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:ListGrants',
  'kms:RevokeGrant',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:UpdateKeyDescription',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

/**
 * The same for a symmetric key, which also has automatic rotation to manage (the asymmetric signing
 * keys have none): never its use — no Decrypt, Encrypt, GenerateDataKey* or ReEncrypt*.
 */
export const KEY_ADMIN_ACTIONS_WITH_ROTATION: readonly string[] = KEY_ADMIN_ACTIONS.flatMap((action) =>
  action === 'kms:GetKeyRotationStatus' ? [action, 'kms:EnableKeyRotation', 'kms:DisableKeyRotation'] : [action],
);
