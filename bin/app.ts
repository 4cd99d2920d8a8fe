#!/usr/bin/env node
/**
 * The CDK app: one Stage per environment (lib/idp-stage.ts), each from typed configuration
 * (lib/config.ts), checked by cdk-nag's AWS Solutions rules (cdk-nag 3 runs as a CDK policy-validation
 * plugin; acknowledgements are `Validations.of(construct).acknowledge(...)` in lib/). See docs/deploy.md.
 *
 *   npx cdk synth --no-notices
 *   npx cdk deploy --no-notices 'serverless-idp-dev/*'
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addExampleConsumer } from '../lib/example-consumer-stack';
import { addIdpStages } from '../lib/idp-stage';

const app = new App();
const stages = addIdpStages(app);
// An API protected by the dev IdP's tokens (docs/protect-your-api.md), only on request:
// `-c idp:exampleConsumer=true` adds serverless-idp-dev/example-consumer to the dev stage.
if (String(app.node.tryGetContext('idp:exampleConsumer')) === 'true') addExampleConsumer(stages.dev);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
