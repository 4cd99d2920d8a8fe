/**
 * The OpenAPI 3.1 document of the admin API, generated from the route table (routes.ts) and the zod
 * schemas (schemas.ts) with `z.toJSONSchema`, so it describes exactly what the router serves.
 * OpenAPI 3.1 schemas are JSON Schema 2020-12, which is zod's default target.
 */
import { z } from 'zod';
import { ADMIN_OPENAPI_PATH } from '../endpoints/paths';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES } from './problem';
import type { ProblemSlug } from './problem';
import { PATH_PARAMS, ROUTES } from './routes';
import type { AnyRoute } from './routes';
import { schemaRegistry } from './schemas';

type Json = Record<string, unknown>;

const COMPONENT_PREFIX = '#/components/schemas/';

/** A JSON Schema without the document-level keywords that do not belong inside an OpenAPI schema. */
function embedded(schema: Json): Json {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

function componentSchemas(): Record<string, Json> {
  const out = z.toJSONSchema(schemaRegistry, {
    uri: (id) => `${COMPONENT_PREFIX}${id}`,
    io: 'input',
    unrepresentable: 'any',
  }) as { schemas: Record<string, Json> };
  const schemas: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(out.schemas)) schemas[id] = embedded(schema);
  return schemas;
}

/** `$ref` to a registered schema. */
function ref(schema: z.ZodType): Json {
  const meta = schemaRegistry.get(schema);
  if (meta === undefined) throw new Error('response and body schemas must be registered in schemaRegistry');
  return { $ref: `${COMPONENT_PREFIX}${meta.id}` };
}

/** Parameter schema as it is after parsing (so `limit` is an integer 1..100), and its description. */
function parameterSchema(schema: z.ZodType): { schema: Json; description?: string } {
  const { description, ...json } = embedded(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Json);
  return typeof description === 'string' ? { schema: json, description } : { schema: json };
}

function pathParamNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
}

function parameters(route: AnyRoute): Json[] {
  const params: Json[] = [];
  for (const name of pathParamNames(route.path)) {
    const spec = PATH_PARAMS[name];
    if (spec === undefined) throw new Error(`no schema for path parameter ${name}`);
    params.push({
      name,
      in: 'path',
      required: true,
      description: spec.description,
      schema: parameterSchema(spec.schema).schema,
    });
  }
  const shape = (route.query as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
  for (const [name, schema] of Object.entries(shape)) {
    const { schema: json, description } = parameterSchema(schema);
    params.push({
      name,
      in: 'query',
      required: false,
      ...(description === undefined ? {} : { description }),
      schema: json,
    });
  }
  if (route.ifMatch === true) {
    params.push({
      name: 'If-Match',
      in: 'header',
      required: false,
      description: 'The ETag (`"<version>"`) the change is based on; 412 when the resource moved on (RFC 9110 §13.1.1)',
      schema: { type: 'string' },
    });
  }
  return params;
}

/** The problems a route can answer, by status. */
export function routeProblems(route: AnyRoute): Map<number, ProblemSlug[]> {
  const slugs = new Set<ProblemSlug>(route.problems);
  const hasPathParams = pathParamNames(route.path).length > 0;
  const queryShape = (route.query as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  if (route.body !== undefined || hasPathParams || Object.keys(queryShape).length > 0) slugs.add('validation-error');
  if (route.body !== undefined) {
    slugs.add('invalid-json');
    slugs.add('payload-too-large');
    slugs.add('unsupported-media-type');
  }
  if (route.scope !== undefined) {
    slugs.add('unauthorized');
    slugs.add('insufficient-scope');
  }
  if (hasPathParams) slugs.add('not-found');
  if (route.ifMatch === true) slugs.add('validation-error');
  slugs.add('service-unavailable');
  const byStatus = new Map<number, ProblemSlug[]>();
  for (const slug of slugs) {
    const status = PROBLEM_TYPES[slug].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), slug]);
  }
  return byStatus;
}

const HEADER_DOCS: Record<string, Json> = {
  Location: { description: 'Path of the created resource', schema: { type: 'string' } },
  ETag: { description: 'Strong entity tag `"<version>"`, for If-Match', schema: { type: 'string' } },
};

function operation(route: AnyRoute): Json {
  const responses: Record<string, Json> = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    const response: Json = { description: spec.description };
    if (spec.headers !== undefined) {
      response['headers'] = Object.fromEntries(spec.headers.map((h) => [h, HEADER_DOCS[h]]));
    }
    if (spec.schema !== undefined) response['content'] = { 'application/json': { schema: ref(spec.schema) } };
    else if (route.path === ADMIN_OPENAPI_PATH) {
      response['content'] = { 'application/json': { schema: { type: 'object' } } };
    }
    responses[status] = response;
  }
  for (const [status, slugs] of routeProblems(route)) {
    responses[String(status)] = {
      description: slugs.map((s) => `${s}: ${PROBLEM_TYPES[s].title}`).join('; '),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: `${COMPONENT_PREFIX}Problem` } } },
    };
  }
  const op: Json = {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    parameters: parameters(route),
    responses,
    security: route.scope === undefined ? [] : [{ bearerAuth: [route.scope] }],
  };
  if (route.body !== undefined) {
    op['requestBody'] = {
      required: route.bodyOptional !== true,
      content: { 'application/json': { schema: ref(route.body) } },
    };
  }
  return op;
}

/** Builds the document for an issuer. */
export function openApiDocument(issuer: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of ROUTES) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'serverless-idp admin API',
      version: '1.0.0',
      description:
        'Manage APIs, clients, secrets, rules and read the audit trail. Bearer access tokens from this IdP for ' +
        `audience ${issuer}/admin: admin:read for reads, admin:write for changes. Errors are RFC 9457 ` +
        'problem+json with type https://serverless-idp.dev/problems/<slug>.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: issuer }],
    tags: [...new Set(ROUTES.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: `RFC 9068 access token of this IdP with audience ${issuer}/admin`,
        },
      },
    },
  };
}
