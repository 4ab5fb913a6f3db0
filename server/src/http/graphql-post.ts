import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest } from '@apollo/server';
import { errors } from '../graphql/errors.js';
import type { HeaderMiddleware } from './edge.js';

export interface GraphqlPostOptions<Context extends BaseContext> {
  path: string;
  bodyLimitBytes: number;
  /** Run in order before the body is read: the security headers, then CORS when configured. */
  headers: readonly HeaderMiddleware[];
  context: (req: IncomingMessage, body: unknown) => Promise<Context>;
  /** A failure before GraphQL runs (unreadable body, malformed JSON, …) answered as Express's error handler answers it. */
  fail: (res: ServerResponse, error: unknown) => void;
}

/**
 * Answers a plain JSON POST to the GraphQL path — what every client sends, nearly every
 * request — with Node's request and response: Express's router, body parser, content
 * negotiation and ETag cost as much CPU as running a small query. Returns false, having
 * touched nothing, for anything else (GET, preflight, another type, charset or encoding, a
 * body without a length or over the limit): Express answers those as before.
 */
export function graphqlPostHandler<Context extends BaseContext>(apollo: ApolloServer<Context>, options: GraphqlPostOptions<Context>) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const length = plainJsonLength(req, options);
    if (length === null) return false;
    for (const middleware of options.headers) middleware(req, res, () => {});
    readBody(req, length)
      .then((text) => answer(apollo, options, req, res, text))
      .catch((error: unknown) => options.fail(res, error));
    return true;
  };
}

/** The body's announced length when the request is one this handler takes, else null. */
function plainJsonLength(req: IncomingMessage, options: { path: string; bodyLimitBytes: number }): number | null {
  if (req.method !== 'POST') return null;
  const url = req.url ?? '';
  const query = url.indexOf('?');
  if ((query === -1 ? url : url.slice(0, query)) !== options.path) return null;
  const type = req.headers['content-type']?.toLowerCase().replace(/\s/g, '');
  if (type !== 'application/json' && type !== 'application/json;charset=utf-8') return null;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return null;
  const announced = req.headers['content-length'];
  if (announced === undefined || !/^\d{1,12}$/.test(announced) || req.headers['transfer-encoding'] !== undefined) return null;
  const length = Number(announced);
  return length > 0 && length <= options.bodyLimitBytes ? length : null;
}

/** Exactly `length` bytes as UTF-8 text, or the refusal a short or long body earns. */
function readBody(req: IncomingMessage, length: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (received !== length) reject(errors.badRequest('request size did not match content length'));
      else resolve(Buffer.concat(chunks, received).toString('utf8'));
    });
    // A client gone before its body was whole: nobody is left to answer.
    req.on('close', () => {
      if (!req.complete) reject(errors.badRequest('the request was aborted'));
    });
  });
}

async function answer<Context extends BaseContext>(apollo: ApolloServer<Context>, options: GraphqlPostOptions<Context>, req: IncomingMessage, res: ServerResponse, text: string): Promise<void> {
  const body = parseStrictJson(text);
  if (body === undefined) throw errors.badRequest('the request body is not valid JSON');
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = req.url ?? '';
  const query = url.indexOf('?');
  const httpGraphQLRequest: HTTPGraphQLRequest = { method: 'POST', headers, search: query === -1 ? '' : url.slice(query), body };
  const response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: () => options.context(req, body) });
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.setHeader('Content-Length', Buffer.byteLength(response.body.string));
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** A JSON object or array, as Express's strict JSON parser accepts it (a byte-order mark dropped); undefined when it does not. */
function parseStrictJson(text: string): unknown {
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const first = json.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}
