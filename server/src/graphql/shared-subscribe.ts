import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';

/**
 * A subscription payload that every subscriber given the same `shared` object may receive as
 * is: its result depends only on that object, the document and the variables, not on who
 * subscribed (what the subscriber may see is settled in the object already).
 */
export interface SharedPayload {
  readonly shared: object;
}

type Result = ExecutionResult | Promise<ExecutionResult>;

/** shared object → document → "operation name + variables" → result. */
const results = new WeakMap<object, WeakMap<DocumentNode, Map<string, Result>>>();

/**
 * graphql-js's `subscribe`, except that a shared payload is executed once per document and
 * variables, however many subscribers receive it (a live board pushed to thousands of
 * subscribers would otherwise be executed for each). Other payloads run as usual.
 */
export async function subscribeShared(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  const source = stream[Symbol.asyncIterator]();
  const run = (payload: unknown): Result => (isShared(payload) ? sharedResult(args, payload) : execute({ ...args, rootValue: payload }));
  const mapped: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const step = await source.next();
      return step.done ? { done: true, value: undefined } : { done: false, value: await run(step.value) };
    },
    // Unsubscribing ends the source too (graphql-js's own mapping does the same).
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}

function isShared(payload: unknown): payload is SharedPayload {
  return typeof payload === 'object' && payload !== null && typeof (payload as { shared?: unknown }).shared === 'object' && (payload as SharedPayload).shared !== null;
}

function sharedResult(args: ExecutionArgs, payload: SharedPayload): Result {
  const byDocument = results.get(payload.shared) ?? new WeakMap<DocumentNode, Map<string, Result>>();
  results.set(payload.shared, byDocument);
  const byVariables = byDocument.get(args.document) ?? new Map<string, Result>();
  byDocument.set(args.document, byVariables);
  const key = JSON.stringify([args.operationName ?? null, args.variableValues ?? null]);
  const result = byVariables.get(key) ?? plainResult(execute({ ...args, rootValue: payload }));
  byVariables.set(key, result);
  return result;
}

/**
 * The result with its data as plain objects. graphql-js builds results of null-prototype
 * objects, which JSON.stringify serializes about three times slower than plain ones; a shared
 * result is serialized once per subscriber, so it is made plain once, here.
 */
async function plainResult(result: Result): Promise<ExecutionResult> {
  const done = await result;
  return done.data && !done.errors ? { ...done, data: plain(done.data) as ExecutionResult['data'] } : done;
}

function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  // Only graphql-js's own objects are copied: a scalar may serialize to any object (a Date
  // becomes its ISO text in JSON), which a copy of its own properties would empty.
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const key in value) copy[key] = plain((value as Record<string, unknown>)[key]);
  return copy;
}
