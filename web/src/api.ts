import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from './gql/graphql';

/**
 * The client's only way to the server: queries and mutations over plain `fetch`, subscriptions
 * over `graphql-ws`, both on `/graphql` of the page's own origin. Every document is typed by
 * codegen from the server's schema; a failure arrives as an ApiError with the server's code.
 */
export const GRAPHQL_PATH = '/graphql';

/** What went wrong, by the server's error code (NETWORK when no answer came). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The input field the error is about, as the server names it (`input.metric`). */
    readonly path: string | null = null,
    /** Every wrong input field the server named, with what is wrong with it. */
    readonly issues: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

interface GraphQLErrorJson {
  message: string;
  extensions?: { code?: string; issues?: { path: string; message: string }[] };
}

function apiError(errors: readonly GraphQLErrorJson[]): ApiError {
  const [first] = errors;
  const issue = first.extensions?.issues?.[0];
  return new ApiError(first.extensions?.code ?? 'INTERNAL_SERVER_ERROR', issue?.message ?? first.message, issue?.path ?? null, first.extensions?.issues ?? []);
}

export async function request<Result, Variables>(document: TypedDocumentString<Result, Variables>, variables: Variables, credential: string | null): Promise<Result> {
  let response: Response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
      body: JSON.stringify({ query: document.toString(), variables }),
    });
  } catch {
    throw new ApiError('NETWORK', 'the server cannot be reached');
  }
  const body = (await response.json().catch(() => null)) as { data?: Result; errors?: GraphQLErrorJson[] } | null;
  if (body?.errors?.length) throw apiError(body.errors);
  if (!body?.data) throw new ApiError('INTERNAL_SERVER_ERROR', `the server answered ${response.status}`);
  return body.data;
}

/** A WebSocket closed by the server with one of these codes is refused for good: no retry. */
const CLOSE_CODES: Record<number, string> = { 4401: 'UNAUTHENTICATED', 4403: 'FORBIDDEN', 4429: 'RATE_LIMITED' };

/** Why a subscription ended: the server's errors, its refusal of the connection, or a network failure. */
function subscriptionError(error: unknown): ApiError {
  if (Array.isArray(error)) return apiError(error as GraphQLErrorJson[]);
  if (error instanceof CloseEvent && error.code in CLOSE_CODES) return new ApiError(CLOSE_CODES[error.code], error.reason);
  return new ApiError('NETWORK', error instanceof Error ? error.message : 'the connection was lost');
}

export interface Subscription<Result> {
  next(data: Result): void;
  error(error: ApiError): void;
  /** The connection is up (true) or being re-established (false). */
  connected?(up: boolean): void;
}

/** Who opens a subscription's connection: a credential (a partner token or an API key), or a published board link. */
export type Opener = { credential: string } | { boardLink: string };

/** Pushes each result of a subscription to `sink` until the returned function is called; reconnects after a lost connection. */
export function subscribe<Result, Variables extends Record<string, unknown>>(
  document: TypedDocumentString<Result, Variables>,
  variables: Variables,
  opener: Opener,
  sink: Subscription<Result>,
): () => void {
  const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${GRAPHQL_PATH}`;
  const client: Client = createClient({
    url,
    connectionParams: 'credential' in opener ? { authorization: `Bearer ${opener.credential}` } : { boardLink: opener.boardLink },
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: (event) => !(event instanceof CloseEvent && event.code in CLOSE_CODES),
    on: {
      connected: () => sink.connected?.(true),
      closed: () => sink.connected?.(false),
    },
  });
  const stop = client.subscribe<Result>(
    { query: document.toString(), variables },
    {
      next: (result) => {
        if (result.errors?.length) sink.error(apiError(result.errors as GraphQLErrorJson[]));
        else if (result.data) sink.next(result.data);
      },
      error: (error) => sink.error(subscriptionError(error)),
      complete: () => {},
    },
  );
  return () => {
    stop();
    void client.dispose();
  };
}
