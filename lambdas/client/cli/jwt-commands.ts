/** `idp decode` (a JWT, unverified) and `idp verify` (an access token, RFC 9068, against the JWKS). */
import { metadataUrl } from '../token-client';
import { required, scopes, tokenArgument } from './args';
import type { Command } from './command';
import { CliFailure, ISSUER_OPTION, UsageError, audienceOption, scopeOption } from './command';
import { isLoopback } from './credentials';
import { decodeJwt } from './jwt';
import { getJson } from './http-json';
import { fields, print, printJson } from './output';
import { AccessTokenRejectedError } from '../verify/access-token-rules';
import { JwtAccessTokenVerifier } from '../verify/jwt-access-token-verifier';

/** The JWT commands. */
export const jwtCommands: Command[] = [
  {
    name: 'decode',
    args: ['TOKEN'],
    summary: 'show a JWT header and payload WITHOUT verifying it',
    details: 'TOKEN may be - to read it from standard input. Nothing is verified: use `idp verify` to trust a token.',
    options: {},
    async run(inv) {
      const { header, payload } = decodeJwt(await tokenArgument(inv));
      if (inv.json) return printJson(inv, { verified: false, header, payload });
      const times: string[] = [];
      for (const claim of ['iat', 'nbf', 'exp']) {
        const value = payload[claim];
        if (typeof value === 'number') times.push(`${claim.padEnd(3)}  ${new Date(value * 1000).toISOString()}`);
      }
      print(
        inv,
        [
          'NOT VERIFIED: this shows what the token says, not whether it is genuine.',
          '',
          'header (not verified):',
          JSON.stringify(header, null, 2),
          '',
          'payload (not verified):',
          JSON.stringify(payload, null, 2),
          ...(times.length > 0 ? ['', ...times] : []),
        ].join('\n'),
      );
    },
  },
  {
    name: 'verify',
    args: ['TOKEN'],
    summary: "verify an access token against the issuer's JWKS (RFC 9068)",
    details:
      'Checks the signature with the JWKS named by the issuer metadata (https, or http for localhost), iss, aud,\n' +
      'typ at+jwt, alg, exp/nbf/iat, the required claims (exp, iat, jti, client_id, sub), canonical encoding\n' +
      "(unpadded base64url, low-s ES256) and that every --scope is granted: the authorizers' checks, except that\n" +
      'sub need not equal client_id. Exit code 0 when valid, 1 when not. TOKEN may be - to read standard input.',
    options: {
      issuer: { ...ISSUER_OPTION, description: 'the expected issuer (required)' },
      audience: audienceOption('the expected audience (required)'),
      scope: scopeOption('scopes that must be granted'),
    },
    async run(inv) {
      const issuer = required(inv, 'issuer');
      const audience = required(inv, 'audience');
      const token = await tokenArgument(inv);
      const doFetch = inv.io.fetch ?? fetch;
      const url = metadataUrl(issuer);
      const httpsOrLoopback = (u: string) => new URL(u).protocol === 'https:' || isLoopback(u);
      if (!httpsOrLoopback(issuer)) throw new UsageError('--issuer must be https (http only for localhost)');
      const metadata = await getJson(doFetch, url);
      // RFC 8414 §3.3: the metadata must be the issuer's own.
      if (metadata['issuer'] !== issuer) throw new CliFailure(`the metadata at ${url} is not for issuer ${issuer}`);
      const jwksUri =
        typeof metadata['jwks_uri'] === 'string' ? metadata['jwks_uri'] : `${issuer}/.well-known/jwks.json`;
      if (!httpsOrLoopback(jwksUri)) throw new CliFailure(`the jwks_uri ${jwksUri} is not https`);
      const required_ = scopes(inv);
      try {
        // aws-jwt-verify's own fetcher speaks https only; this one also reaches a local http issuer.
        // The authorizers' own rules (client/verify/), `sub` merely present: any kind of access token.
        const verifier = new JwtAccessTokenVerifier({
          issuer,
          audience,
          jwksUri,
          fetchJwks: (uri) => getJson(doFetch, uri),
          subject: 'any',
        });
        const grant = await verifier.verify(token);
        const missing = required_.filter((s) => !grant.scope.includes(s));
        if (missing.length > 0) throw new AccessTokenRejectedError(`the token lacks the scope ${missing.join(' ')}`);
        const { header } = decodeJwt(token);
        if (inv.json) return printJson(inv, { valid: true, header, payload: grant.claims });
        print(
          inv,
          [
            `valid: an access token for ${audience} from ${issuer}`,
            fields([
              ['client_id', grant.clientId],
              ['scope', grant.scope],
              ['expires', new Date(Number(grant.claims.exp) * 1000).toISOString()],
              ['jti', grant.jti],
              ['kid', header['kid']],
            ]),
          ].join('\n'),
        );
      } catch (err) {
        if (!(err instanceof AccessTokenRejectedError)) throw err;
        if (inv.json) printJson(inv, { valid: false, error: err.message });
        throw new CliFailure(`invalid token: ${err.message}`);
      }
    },
  },
];
