/**
 * Per-client views of the token endpoint. Metrics carry no client dimension (one metric per client
 * would cost per client and month); the EMF records carry the client id, so per-client views are saved
 * Logs Insights queries over the token function's log group.
 */
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { StageName } from './config';

/** Props of {@link addPerClientQueries}. */
export interface PerClientQueriesProps {
  /** The stage, part of the query names (`serverless-idp/<stage>/…`). */
  readonly stageName: StageName;
  /** The token function's log group. */
  readonly tokenLogGroup: logs.ILogGroup;
}

/** Adds the saved queries `TokensPerClientQuery` and `DenialsPerClientQuery` to `scope`. */
export function addPerClientQueries(scope: Construct, props: PerClientQueriesProps): void {
  new logs.QueryDefinition(scope, 'TokensPerClientQuery', {
    queryDefinitionName: `serverless-idp/${props.stageName}/tokens-per-client`,
    logGroups: [props.tokenLogGroup],
    queryString: new logs.QueryString({
      filterStatements: ['ispresent(TokensIssued)'],
      statsStatements: ['sum(TokensIssued) as issued, sum(TokensReused) as reused by clientId, audience'],
      sort: 'issued desc',
      limit: 100,
    }),
  });
  new logs.QueryDefinition(scope, 'DenialsPerClientQuery', {
    queryDefinitionName: `serverless-idp/${props.stageName}/token-denials-per-client`,
    logGroups: [props.tokenLogGroup],
    queryString: new logs.QueryString({
      filterStatements: ['ispresent(TokensDenied)'],
      statsStatements: ['sum(TokensDenied) as denied by clientId, error, reason'],
      sort: 'denied desc',
      limit: 100,
    }),
  });
}
