import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { guardedLookup, literalAddress, refusedHost } from './address-guard.js';

/** How much of a response is kept to show in `webhookDeliveries`; the rest is not read. */
export const RESPONSE_HEAD_BYTES = 1024;

export interface SendOptions {
  timeoutMs: number;
  allowPrivateAddresses: boolean;
}

export interface SendResult {
  /** The receiver's status; null when none came (refused address, connection error, timeout). */
  statusCode: number | null;
  latencyMs: number;
  /** The first RESPONSE_HEAD_BYTES of the body. */
  responseHead: string;
  /** Why the attempt counts as failed; null for a 2xx answer. */
  error: string | null;
}

/**
 * POSTs one webhook. Only a 2xx answer is a delivery: a redirect is not followed (its target
 * was never checked, and would see the signed body), it fails the attempt with its Location.
 * Everything, from the look-up to the last byte read, must fit in `timeoutMs`.
 */
export function sendWebhook(url: string, headers: Record<string, string>, body: string, options: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const target = new URL(url);
  const refused = options.allowPrivateAddresses ? null : refusedHost(target.hostname);
  if (refused) return Promise.resolve({ statusCode: null, latencyMs: 0, responseHead: '', error: `refused: ${refused}` });
  const lookup = options.allowPrivateAddresses || literalAddress(target.hostname) ? undefined : guardedLookup();
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outgoing.destroy();
      resolve({ ...result, latencyMs: elapsed() });
    };
    const outgoing = request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body).toString(), 'user-agent': 'Cofactor-Webhooks/1', ...headers },
      lookup,
    });
    // Node arms timers from the event loop's cached clock, which can lag `started` by a millisecond,
    // so a timer may fire just before the receiver has had its whole time: wait out the remainder.
    const giveUp = () => {
      const left = started + options.timeoutMs - performance.now();
      if (left > 0) timer = setTimeout(giveUp, Math.ceil(left));
      else finish({ statusCode: null, responseHead: '', error: `no answer within ${options.timeoutMs} ms` });
    };
    let timer = setTimeout(giveUp, options.timeoutMs);
    outgoing.on('error', (error: NodeJS.ErrnoException) => finish({ statusCode: null, responseHead: '', error: describe(error) }));
    outgoing.on('response', (response) => readHead(response, (head) => finish({ statusCode: response.statusCode ?? null, responseHead: head, error: failure(response) })));
    outgoing.end(body);
  });
}

/** Reads up to RESPONSE_HEAD_BYTES of the body, then stops reading. */
function readHead(response: IncomingMessage, done: (head: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const stop = () => done(Buffer.concat(chunks).subarray(0, RESPONSE_HEAD_BYTES).toString('utf8').replace(/\uFFFD+$/, ''));
  response.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= RESPONSE_HEAD_BYTES) stop();
  });
  response.on('end', stop);
  response.on('error', stop);
}

function failure(response: IncomingMessage): string | null {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return null;
  if (status >= 300 && status < 400) return `HTTP ${status}: redirects are not followed${response.headers.location ? ` (Location: ${response.headers.location.slice(0, 200)})` : ''}`;
  return `HTTP ${status}`;
}

function describe(error: NodeJS.ErrnoException): string {
  if (error.code === 'EADDRREFUSED') return `refused: ${error.message}`;
  return error.code ? `${error.code}: ${error.message}` : error.message;
}
