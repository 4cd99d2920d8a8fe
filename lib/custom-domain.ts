/**
 * A stage's custom domain: the issuer's host. Without CloudFront it is an API Gateway regional domain
 * mapped to the `$default` stage; behind CloudFront the distribution carries it (lib/edge-distribution.ts).
 * Either way, alias records when the hosted zone is known, and the DNS target as an output.
 */
import { CfnOutput } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type { Construct } from 'constructs';
import type { CustomDomainConfig } from './config';

/** Props of {@link addCustomDomain}. */
export interface CustomDomainProps {
  /** The domain, its certificate and, optionally, the hosted zone to write alias records in. */
  readonly domain: CustomDomainConfig;
  /** The HTTP API (mapped to the domain when there is no distribution). */
  readonly api: apigwv2.IHttpApi;
  /** The API's `$default` stage. */
  readonly stage: apigwv2.IHttpStage;
  /**
   * The CloudFront distribution that serves the domain.
   * @default - no CloudFront: an API Gateway regional custom domain (TLS 1.2) mapped to the stage
   */
  readonly distribution?: cloudfront.IDistribution;
}

/**
 * Adds to `scope` the API Gateway domain (`DomainName`, `Certificate`, `ApiMapping`) when there is no
 * distribution, the alias records (`Zone`, `AliasA`, `AliasAAAA`) with a hosted zone, and the
 * `DnsTarget` output.
 */
export function addCustomDomain(scope: Construct, props: CustomDomainProps): void {
  const { domain, distribution } = props;
  if (distribution === undefined) {
    const domainName = new apigwv2.DomainName(scope, 'DomainName', {
      domainName: domain.domainName,
      certificate: acm.Certificate.fromCertificateArn(scope, 'Certificate', domain.certificateArn),
      securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
    });
    new apigwv2.ApiMapping(scope, 'ApiMapping', { api: props.api, domainName, stage: props.stage });
    const target = route53.RecordTarget.fromAlias(
      new targets.ApiGatewayv2DomainProperties(domainName.regionalDomainName, domainName.regionalHostedZoneId),
    );
    aliasRecords(scope, domain, target);
    new CfnOutput(scope, 'DnsTarget', {
      value: domainName.regionalDomainName,
      description: 'Alias/CNAME target of the custom domain',
    });
  } else {
    aliasRecords(scope, domain, route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(distribution)));
    new CfnOutput(scope, 'DnsTarget', {
      value: distribution.distributionDomainName,
      description: 'Alias/CNAME target of the custom domain',
    });
  }
}

/** IPv4 and IPv6 alias records of the domain, when its hosted zone is configured. */
function aliasRecords(scope: Construct, domain: CustomDomainConfig, target: route53.RecordTarget): void {
  if (domain.hostedZone === undefined) return;
  const zone = route53.HostedZone.fromHostedZoneAttributes(scope, 'Zone', domain.hostedZone);
  new route53.ARecord(scope, 'AliasA', { zone, recordName: domain.domainName, target });
  new route53.AaaaRecord(scope, 'AliasAAAA', { zone, recordName: domain.domainName, target });
}
