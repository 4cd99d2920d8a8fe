/**
 * Stateful resources of one stage, in their own stack so the API stack can be replaced freely
 * (docs/deploy.md, Architecture): the DynamoDB table, the KMS signing keys, the pepper and bootstrap
 * secrets, and the execution roles of the request-path functions.
 *
 * Why the roles live here: the key policy names the token and discovery roles as principals. With
 * the roles in the API stack, the stateful stack would import their ARNs while the API stack imports
 * the table and key — a cycle. Keeping identity next to the key means the key policy references
 * roles of its own stack (`Fn::GetAtt`), KMS sees real principals (no `aws:PrincipalArn` conditions
 * on the account root, which would hand signing to anyone who can edit IAM), and every data-plane
 * permission of the IdP is reviewable in one template. The API stack only attaches log-group write
 * policies to these roles (lib/function-defaults.ts), a reference in the allowed direction.
 */
import { Annotations, Fn, Stack, Validations } from 'aws-cdk-lib';
import type { CustomResource } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { keys, tableSchema } from '../lambdas/adapters/dynamodb-table';
import { FIRST_ADMIN_USERNAME } from '../lambdas/domain/first-admin-person';
import type { SigningAlgorithm, SigningKeyConfig, SigningMode, StageConfig } from './config';
import { removableSigningKeys, signingKeyAlias, signingKeyConstructId, validateSigningKeys } from './config';
import { addEnvelopeSigning } from './envelope-signing';
import type { EnvelopeSigning } from './envelope-signing';
import { clientStatusReadStatement } from './idp-token-authorizer';
import { KEY_ADMIN_ACTIONS } from './kms-key-admin';

/** KMS key spec and signing algorithm of each JWS algorithm (RFC 7518 §3.3, §3.4). */
export const KMS_SIGNING: Record<SigningAlgorithm, { keySpec: kms.KeySpec; signingAlgorithm: string }> = {
  RS256: { keySpec: kms.KeySpec.RSA_2048, signingAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' },
  ES256: { keySpec: kms.KeySpec.ECC_NIST_P256, signingAlgorithm: 'ECDSA_SHA_256' },
};

/** Props of {@link StatefulStack}. */
export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
}

/** Execution roles of the request-path functions (see the module comment for why they live here). */
export interface FunctionRoles {
  readonly token: iam.Role;
  readonly discovery: iam.Role;
  readonly admin: iam.Role;
  readonly authorizer: iam.Role;
  /** The hosted pages (authorize, sign-in, consent, logout, set-password): no KMS permission at all. */
  readonly signIn: iam.Role;
  /** `GET|POST /oauth2/userinfo`: reads users and the deny-list; verifies tokens with the public JWKS. */
  readonly userinfo: iam.Role;
}

/**
 * `dynamodb:LeadingKeys` patterns of the table's partitions (lambdas/adapters/dynamodb-table.ts, from its
 * own key builders): what a role may touch is named by the item kinds it serves.
 */
export const PARTITIONS = {
  client: keys.clientPk('*'),
  api: keys.apiPk('*'),
  user: keys.userPk('*'),
  username: keys.usernamePk('*'),
  setup: keys.setupPk('*'),
  signIn: keys.signInPk('*'),
  authRequest: keys.authRequestPk('*'),
  consent: keys.consentPk('*'),
  code: keys.codePk('*'),
  deny: keys.denyPk('*'),
  audit: keys.auditPk,
  /** Refresh-token sessions, a user's token entries, denied session ids (docs/data-model.md, Sessions). */
  session: keys.sessionPk('*'),
  userTokens: keys.userTokensPk('*'),
  denySid: keys.denySidPk('*'),
} as const;

/**
 * `actions` on the table, only on items whose partition key matches one of `partitions` (IAM evaluates
 * each item of a TransactWriteItems with its own action and key), optionally only on `attributes`.
 */
export function partitionScopedStatement(
  tableArn: string,
  actions: string[],
  partitions: string[],
  attributes?: string[],
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions,
    resources: [tableArn],
    conditions: {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions },
      ...(attributes === undefined
        ? {}
        : {
            'ForAllValues:StringEquals': {
              'dynamodb:Attributes': [tableSchema.partitionKey, tableSchema.sortKey, ...attributes],
            },
          }),
    },
  });
}

/** One configured signing key as deployed: a KMS asymmetric key, or an envelope key (lib/envelope-signing.ts). */
export type DeployedSigningKey =
  | {
      readonly config: SigningKeyConfig;
      /** The key's JWS algorithm (its own, else the stage's). */
      readonly algorithm: SigningAlgorithm;
      readonly signing: 'kms';
      readonly key: kms.Key;
      readonly alias: kms.Alias;
    }
  | {
      readonly config: SigningKeyConfig;
      readonly algorithm: SigningAlgorithm;
      readonly signing: 'envelope';
      /** The custom resource that generated the key pair; its `Kid` attribute is the JWS `kid`. */
      readonly material: CustomResource;
    };

export class StatefulStack extends Stack {
  readonly table: dynamodb.Table;
  /** The `active` key when it is a KMS key: the only one the token function signs with. */
  readonly signingKey?: kms.Key;
  /** The envelope mode's wrapping key and signing-key custom resources, when any key is an envelope key. */
  readonly envelope?: EnvelopeSigning;
  /**
   * Every configured key in publication order — active, then next, then retired — all published in
   * the JWKS (docs/deploy.md, Signing keys).
   */
  readonly signingKeys: readonly DeployedSigningKey[];
  readonly pepperSecret: secretsmanager.Secret;
  readonly bootstrapSecret: secretsmanager.Secret;
  /**
   * The first admin person's credentials `{username: "admin", password}`, generated at deploy time;
   * the bootstrap creates the person from it while the table has no user (docs/deploy.md).
   */
  readonly adminPersonSecret: secretsmanager.Secret;
  readonly roles: FunctionRoles;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const stage = config.stageName;

    // --- DynamoDB: the single table (lambdas/adapters/dynamodb-table.ts) -----------------------
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: tableSchema.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableSchema.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: config.pointInTimeRecovery },
      deletionProtection: config.deletionProtection,
      removalPolicy: config.removalPolicy,
      timeToLiveAttribute: tableSchema.ttlAttribute,
      // AWS managed key (aws/dynamodb): encrypted at rest with every use of the key in CloudTrail,
      // without a customer key policy to keep in step with the function roles.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: tableSchema.gsi1.name,
      partitionKey: { name: tableSchema.gsi1.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableSchema.gsi1.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    // --- Roles ----------------------------------------------------------------------------------
    const lambdaRole = (roleId: string, what: string) =>
      new iam.Role(this, roleId, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `serverless-idp ${stage}: execution role of the ${what} function`,
      });
    this.roles = {
      token: lambdaRole('TokenFunctionRole', 'token'),
      discovery: lambdaRole('DiscoveryFunctionRole', 'discovery/JWKS'),
      admin: lambdaRole('AdminFunctionRole', 'admin API'),
      authorizer: lambdaRole('AuthorizerFunctionRole', 'admin authorizer'),
      signIn: lambdaRole('SignInFunctionRole', 'sign-in (hosted pages)'),
      userinfo: lambdaRole('UserinfoFunctionRole', 'userinfo'),
    };

    // --- KMS signing keys: one kms.Key per configured key (docs/deploy.md, Signing keys) -----------
    // Every configured key — next, active, retired — lets the token role sign (with its algorithm, digests
    // only) and the discovery role read its public key. Sign on `next` and `retired` too, because a
    // rotation deploys this stack before the API stack: the key being promoted must already allow Sign
    // when the token function switches to it, and the key being retired must still allow it until the
    // function has switched away — a state-dependent grant would fail token requests for the minutes in
    // between. Which key signs is the token function's `IDP_SIGNING_KEY_ARN` alone (the active key).
    // An envelope key is a record in the table wrapped under the stage's one symmetric key instead
    // (lib/envelope-signing.ts); its Decrypt grant is by encryption context, the same for every state.
    const ordered = validateSigningKeys(stage, config.signingKeys).map((keyConfig) => ({
      config: keyConfig,
      algorithm: keyConfig.algorithm ?? config.signingAlgorithm,
      signing: (keyConfig.signing ?? config.signing) as SigningMode,
    }));
    const envelopeKeys = ordered.filter((k) => k.signing === 'envelope');
    this.envelope =
      envelopeKeys.length === 0
        ? undefined
        : addEnvelopeSigning(this, { config, table: this.table, tokenRole: this.roles.token, keys: envelopeKeys });
    this.signingKeys = ordered.map(({ config: keyConfig, algorithm, signing }): DeployedSigningKey => {
      if (signing === 'envelope') {
        return { config: keyConfig, algorithm, signing, material: this.envelope!.materials.get(keyConfig.id)! };
      }
      const key = this.addSigningKey(config, keyConfig, algorithm);
      return { config: keyConfig, algorithm, signing, key, alias: key.addAlias(signingKeyAlias(stage, keyConfig.id)) };
    });
    const active = this.signingKeys[0]!;
    this.signingKey = active.signing === 'kms' ? active.key : undefined;
    for (const removable of removableSigningKeys(config.signingKeys, config.retiredKeyRetention)) {
      Annotations.of(this).addWarningV2(
        'serverless-idp:retired-signing-key-removable',
        `signing key '${removable.id}' retired at ${removable.retiredAt ?? ''}: every token it signed has expired ` +
          `(retiredKeyRetention ${config.retiredKeyRetention.toDays()} days); remove it from signingKeys of stage ${stage}`,
      );
    }

    // --- Secrets --------------------------------------------------------------------------------
    this.pepperSecret = new secretsmanager.Secret(this, 'PepperSecret', {
      description: `serverless-idp ${stage}: HMAC pepper of client secret hashes (never rotate in place)`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: config.removalPolicy,
    });
    // The client id is generated at deploy time too: the stack's UUID (stable for the stack's life).
    const stackUuid = Fn.select(2, Fn.split('/', this.stackId));
    this.bootstrapSecret = new secretsmanager.Secret(this, 'BootstrapAdminSecret', {
      description: `serverless-idp ${stage}: bootstrap admin client {clientId, clientSecret}`,
      generateSecretString: {
        secretStringTemplate: Fn.join('', ['{"clientId":"admin-', stackUuid, '"}']),
        generateStringKey: 'clientSecret',
        passwordLength: 48,
        excludePunctuation: true,
        includeSpace: false,
      },
      removalPolicy: config.removalPolicy,
    });

    // 32 alphanumerics (~190 bits): within the password policy (12–256 characters).
    this.adminPersonSecret = new secretsmanager.Secret(this, 'AdminPersonSecret', {
      description: `serverless-idp ${stage}: first admin person {username, password} (sign in to the console)`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: FIRST_ADMIN_USERNAME }),
        generateStringKey: 'password',
        passwordLength: 32,
        excludePunctuation: true,
        includeSpace: false,
      },
      removalPolicy: config.removalPolicy,
    });

    // --- Data-plane permissions (least privilege; docs/deploy.md lists them per role) -------------
    // token: one Query per request, GetItem on the error path (API exists?), the pepper…
    this.roles.token.addToPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Query', 'dynamodb:GetItem'], resources: [this.table.tableArn] }),
    );
    // …and records a secret's last use (DynamoDbClientRepository.touchSecret): an UpdateItem that may write
    // `lastUsedAt` and nothing else (IAM fine-grained access on attribute names).
    this.roles.token.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringEquals': {
            'dynamodb:Attributes': [tableSchema.partitionKey, tableSchema.sortKey, 'lastUsedAt'],
          },
        },
      }),
    );
    // …redeems authorization codes: one conditional UpdateItem per redemption, and the `issued` record
    // (no attribute list: the redemption returns the code's whole binding, ReturnValues ALL_NEW)…
    const tableArn = this.table.tableArn;
    this.roles.token.addToPolicy(partitionScopedStatement(tableArn, ['dynamodb:UpdateItem'], [PARTITIONS.code]));
    // …and puts a replayed code's access token on the deny-list (RFC 6749 §4.1.2).
    this.roles.token.addToPolicy(partitionScopedStatement(tableArn, ['dynamodb:PutItem'], [PARTITIONS.deny]));
    // Refresh-token sessions: one conditional UpdateItem per refresh (and a revocation's mark); a code
    // exchange creates the session with its entry under USERTOKENS# and a ConditionCheck that the user
    // is enabled (never a write to USER#); a reuse denies the session's sid and deletes its entry.
    const { session, userTokens, denySid, user } = PARTITIONS;
    this.roles.token.addToPolicy(
      partitionScopedStatement(tableArn, ['dynamodb:PutItem', 'dynamodb:UpdateItem'], [session, userTokens, denySid]),
    );
    this.roles.token.addToPolicy(partitionScopedStatement(tableArn, ['dynamodb:DeleteItem'], [userTokens]));
    this.roles.token.addToPolicy(partitionScopedStatement(tableArn, ['dynamodb:ConditionCheckItem'], [user]));
    this.roles.token.addToPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.pepperSecret.secretArn] }),
    );
    this.grantPeoplePermissions();
    // admin: item reads and writes on the table and its index (no Scan, no table management), the pepper.
    this.roles.admin.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:ConditionCheckItem',
          'dynamodb:BatchWriteItem',
        ],
        // The one index by name: no wildcard (and no cdk-nag acknowledgement) for an index added later.
        resources: [this.table.tableArn, `${this.table.tableArn}/index/${tableSchema.gsi1.name}`],
      }),
    );
    this.roles.admin.addToPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.pepperSecret.secretArn] }),
    );
    // authorizer: one BatchGetItem of a token's client, user and deny-list items (revoked? disabled?).
    this.roles.authorizer.addToPolicy(clientStatusReadStatement(this.table.tableArn));
    // discovery: kms:GetPublicKey through the key policy only; in envelope mode one GetItem per published
    // key record (the public key), never the wrapping key.
    if (this.envelope !== undefined) {
      this.roles.discovery.addToPolicy(
        partitionScopedStatement(tableArn, ['dynamodb:GetItem'], [keys.signingKeyPk('*')]),
      );
    }

    this.acknowledgeFindings(config);
  }

  /**
   * The people side's functions, each item kind by its partition (docs/deploy.md, Permissions).
   * sign-in reads clients (one Query of the client's collection), APIs, users, usernames, setups, sign-in
   * sessions, pending requests and consents; writes users (a rehash, a new password), sign-in sessions,
   * pending requests, consents, codes and the audit event of a password setup; deletes sign-in sessions,
   * pending requests and used setups; and updates only a user's sign-in counters. It never touches
   * clients' secrets or rules, APIs, usernames or the deny-list, and it has no KMS permission at all: it
   * issues codes, never tokens. userinfo reads a user's collection and the deny-list, nothing else.
   */
  private grantPeoplePermissions(): void {
    const tableArn = this.table.tableArn;
    const { signIn, userinfo } = this.roles;
    const p = PARTITIONS;
    signIn.addToPolicy(
      partitionScopedStatement(
        tableArn,
        ['dynamodb:GetItem', 'dynamodb:Query'],
        [p.client, p.api, p.user, p.username, p.setup, p.signIn, p.authRequest, p.consent],
      ),
    );
    signIn.addToPolicy(
      partitionScopedStatement(
        tableArn,
        ['dynamodb:PutItem'],
        [p.user, p.signIn, p.authRequest, p.consent, p.code, p.audit],
      ),
    );
    signIn.addToPolicy(partitionScopedStatement(tableArn, ['dynamodb:DeleteItem'], [p.setup, p.signIn, p.authRequest]));
    // Failed-sign-in counting and the lock (DynamoDbUserRepository.recordFailedSignIn): these attributes only.
    signIn.addToPolicy(
      partitionScopedStatement(tableArn, ['dynamodb:UpdateItem'], [p.user], ['failedSignIns', 'lockedUntil']),
    );
    // A code is created with its entry under USERTOKENS# and a ConditionCheck that the user is enabled;
    // the maxSessionsPerUser cap and a new password (set-password page) revoke sessions and codes:
    // the session and code marked, the sid denied, the entries deleted (docs/data-model.md, Sessions).
    signIn.addToPolicy(partitionScopedStatement(tableArn, ['dynamodb:DeleteItem', 'dynamodb:Query'], [p.userTokens]));
    signIn.addToPolicy(partitionScopedStatement(tableArn, ['dynamodb:PutItem'], [p.userTokens, p.denySid]));
    signIn.addToPolicy(
      partitionScopedStatement(tableArn, ['dynamodb:UpdateItem'], [p.session, p.code], ['revokedAt', 'revokedReason']),
    );
    signIn.addToPolicy(partitionScopedStatement(tableArn, ['dynamodb:ConditionCheckItem'], [p.user]));
    signIn.addToPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.pepperSecret.secretArn] }),
    );
    userinfo.addToPolicy(
      partitionScopedStatement(tableArn, ['dynamodb:GetItem', 'dynamodb:Query'], [p.user, p.deny, p.denySid]),
    );
  }

  /** One signing key with its key policy; `initial` keeps the construct id and description it always had. */
  private addSigningKey(config: StageConfig, keyConfig: SigningKeyConfig, algorithm: SigningAlgorithm): kms.Key {
    const signing = KMS_SIGNING[algorithm];
    const keyPolicy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'AccountAdministersButCannotUse',
          principals: [new iam.AccountRootPrincipal()],
          actions: [...KEY_ADMIN_ACTIONS],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'TokenFunctionSignsDigestsOnly',
          principals: [this.roles.token],
          actions: ['kms:Sign'],
          resources: ['*'],
          conditions: {
            StringEquals: { 'kms:SigningAlgorithm': signing.signingAlgorithm, 'kms:MessageType': 'DIGEST' },
          },
        }),
        new iam.PolicyStatement({
          sid: 'DiscoveryFunctionReadsPublicKey',
          principals: [this.roles.discovery],
          actions: ['kms:GetPublicKey'],
          resources: ['*'],
        }),
      ],
    });
    const constructId = signingKeyConstructId(keyConfig.id);
    const name = constructId === 'SigningKey' ? '' : ` ${keyConfig.id}`;
    return new kms.Key(this, constructId, {
      description: `serverless-idp ${config.stageName}: access-token signing key${name} (${algorithm})`,
      keySpec: signing.keySpec,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      policy: keyPolicy,
      removalPolicy: config.removalPolicy,
    });
  }

  /** cdk-nag acknowledgements: each narrow (one construct, one finding) and with its reason. */
  private acknowledgeFindings(config: StageConfig): void {
    Validations.of(this.pepperSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The pepper keys every stored client-secret hash; rotating it in place would invalidate all client secrets. It is replaced only by a planned re-hash migration.',
    });
    Validations.of(this.bootstrapSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The bootstrap admin credential is rotated through the admin API (add a new client secret, revoke the old one), which Secrets Manager rotation cannot drive; see docs/deploy.md.',
    });
    Validations.of(this.adminPersonSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "The first admin person's password is used once, when the person is created; it is changed through the admin API or the console (PATCH the user), which Secrets Manager rotation cannot drive; see docs/deploy.md.",
    });
    for (const role of Object.values(this.roles)) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Added by Lambda active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
      });
    }
    if (!config.pointInTimeRecovery) {
      Validations.of(this.table).acknowledge({
        id: 'AwsSolutions-DDB3',
        reason: `Point-in-time recovery is off in the ${config.stageName} stage by configuration: its data is disposable and recreated by the bootstrap.`,
      });
    }
  }
}
