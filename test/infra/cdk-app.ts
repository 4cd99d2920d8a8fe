/**
 * Builds the real CDK app (lib/idp-stage.ts, with cdk.json's feature flags and cdk-nag registered as
 * bin/app.ts does) once per test file and hands out the synthesized templates per stage and stack.
 * Bundling is skipped unless asked for: `aws:cdk:bundling-stacks` lists the stacks that bundle.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { StageName } from '../../lib/config';
import { STAGE_NAMES } from '../../lib/config';
import type { IdpStage } from '../../lib/idp-stage';
import { addIdpStages } from '../../lib/idp-stage';

export const REPO_ROOT = path.join(__dirname, '..', '..');

/** cdk.json's context (feature flags), so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

export interface SynthesizedApp {
  app: App;
  stages: Record<StageName, IdpStage>;
  assemblies: Record<StageName, CloudAssembly>;
  outdir: string;
  /** Assertions template of a stack (`stateful`, `api`, `edge-waf`) of a stage. */
  template(stage: StageName, stack: 'stateful' | 'api' | 'edge-waf'): Template;
  /** The raw template JSON. */
  json(stage: StageName, stack: 'stateful' | 'api' | 'edge-waf'): CfnTemplate;
  cleanup(): void;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown }>;
  Rules?: Record<string, unknown>;
}

/**
 * Synthesizes the whole app. `context` adds CDK context (account, region, domains …);
 * `bundleStacks` lists stack patterns that bundle (default: none).
 */
export function synthApp(context: Record<string, unknown> = {}, bundleStacks: string[] = []): SynthesizedApp {
  const outdir = mkdtempSync(path.join(tmpdir(), 'idp-cdk-'));
  const app = new App({
    outdir,
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': bundleStacks, ...context },
  });
  const stages = addIdpStages(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const root = app.synth();
  const assemblies = {} as Record<StageName, CloudAssembly>;
  for (const name of STAGE_NAMES) assemblies[name] = root.getNestedAssembly(stages[name].artifactId);
  const stackOf = (stage: StageName, stack: string) => {
    const artifact = assemblies[stage].stacks.find((s) => s.stackName === `serverless-idp-${stage}-${stack}`);
    if (artifact === undefined) throw new Error(`no stack serverless-idp-${stage}-${stack}`);
    return artifact;
  };
  return {
    app,
    stages,
    assemblies,
    outdir,
    template: (stage, stack) => Template.fromJSON(stackOf(stage, stack).template as Record<string, unknown>),
    json: (stage, stack) => stackOf(stage, stack).template as CfnTemplate,
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** Resources of one type, by logical id. */
export function resourcesOfType(template: CfnTemplate, type: string): Record<string, CfnResource> {
  return Object.fromEntries(Object.entries(template.Resources).filter(([, r]) => r.Type === type));
}

/** One IAM policy statement as CloudFormation renders it. */
export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, string>>;
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Every statement of every IAM policy, role inline policy and KMS key policy in a template. */
export function allStatements(template: CfnTemplate): { resource: string; statement: Statement }[] {
  const out: { resource: string; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    const p = r.Properties ?? {};
    const docs: unknown[] = [];
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') docs.push(p['PolicyDocument']);
    if (r.Type === 'AWS::IAM::Role') {
      for (const inline of (p['Policies'] as { PolicyDocument: unknown }[] | undefined) ?? [])
        docs.push(inline.PolicyDocument);
    }
    if (r.Type === 'AWS::KMS::Key') docs.push(p['KeyPolicy']);
    for (const doc of docs) {
      for (const statement of (doc as { Statement: Statement[] }).Statement) out.push({ resource: id, statement });
    }
  }
  return out;
}
