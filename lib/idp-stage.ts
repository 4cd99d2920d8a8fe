/**
 * One deployable environment: a CDK Stage holding the stateful stack, the API stack and, when edge
 * protection is on and the API lives outside us-east-1, the us-east-1 web ACL stack. Stack names are
 * `serverless-idp-<stage>-stateful`, `serverless-idp-<stage>-api` (and `serverless-idp-<stage>-edge-waf`);
 * deploy one environment with `npx cdk deploy 'serverless-idp-<stage>/*'`.
 */
import { Stage, Token } from 'aws-cdk-lib';
import type { App, StageProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ApiStack } from './api-stack';
import type { StageConfig } from './config';
import { STAGE_NAMES, resolveStageConfig } from './config';
import { EdgeWafStack } from './edge-protection';
import { StatefulStack } from './stateful-stack';

/** Props of {@link IdpStage}. */
export interface IdpStageProps extends StageProps {
  readonly config: StageConfig;
}

export class IdpStage extends Stage {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
  readonly api: ApiStack;
  readonly edgeWaf?: EdgeWafStack;

  constructor(scope: Construct, id: string, props: IdpStageProps) {
    super(scope, id, { ...props, env: { account: props.config.account, region: props.config.region } });
    const { config } = props;
    const protect = config.deletionProtection;
    const tags = { project: 'serverless-idp', stage: config.stageName };
    this.stateful = new StatefulStack(this, 'stateful', {
      config,
      terminationProtection: protect,
      description: `serverless-idp ${config.stageName}: table, signing key, secrets, function roles`,
      tags,
    });
    const region = config.region;
    // A CLOUDFRONT web ACL lives in us-east-1; a stage elsewhere gets a small us-east-1 stack for it.
    const separateWaf =
      config.edgeProtection.enabled && region !== undefined && !Token.isUnresolved(region) && region !== 'us-east-1';
    if (separateWaf) {
      this.edgeWaf = new EdgeWafStack(this, 'edge-waf', {
        env: { account: config.account, region: 'us-east-1' },
        stageName: config.stageName,
        config: config.edgeProtection,
        crossRegionReferences: true,
        terminationProtection: protect,
        description: `serverless-idp ${config.stageName}: CloudFront web ACL (us-east-1)`,
        tags,
      });
    }
    this.api = new ApiStack(this, 'api', {
      config,
      stateful: this.stateful,
      webAclArn: this.edgeWaf?.webAclArn,
      crossRegionReferences: separateWaf,
      terminationProtection: protect,
      description: `serverless-idp ${config.stageName}: HTTP API, functions, edge protection, alarms`,
      tags,
    });
    this.config = config;
  }
}

/** Adds one {@link IdpStage} per environment (dev, test, staging, prod) to the app. */
export function addIdpStages(app: App): Record<(typeof STAGE_NAMES)[number], IdpStage> {
  const stages = {} as Record<(typeof STAGE_NAMES)[number], IdpStage>;
  for (const name of STAGE_NAMES) {
    stages[name] = new IdpStage(app, `serverless-idp-${name}`, { config: resolveStageConfig(name, app.node) });
  }
  return stages;
}
