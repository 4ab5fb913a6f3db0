import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendWebhook } from './webhook-sender.js';

describe('sendWebhook against a receiver that never answers', () => {
  let receiver: Server;
  let url: string;

  beforeAll(async () => {
    receiver = createServer(() => undefined); // reads the request, never answers
    await new Promise<void>((listening) => receiver.listen(0, '127.0.0.1', listening));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise((closed) => receiver.close(closed));
  });

  // Node's timers count from a millisecond-truncated clock and can fire up to a millisecond early;
  // a receiver is still owed its whole time, so no attempt may give up before timeoutMs.
  it('gives up only once the whole time limit has passed, on every attempt', async () => {
    const timeoutMs = 5;
    const attempts: Awaited<ReturnType<typeof sendWebhook>>[] = [];
    for (let round = 0; round < 20; round++) {
      attempts.push(...await Promise.all(Array.from({ length: 20 }, () => sendWebhook(url, {}, '{}', { timeoutMs, allowPrivateAddresses: true }))));
    }
    expect(attempts).toHaveLength(400);
    for (const attempt of attempts) expect(attempt).toMatchObject({ statusCode: null, responseHead: '', error: 'no answer within 5 ms' });
    expect(Math.min(...attempts.map((attempt) => attempt.latencyMs))).toBeGreaterThanOrEqual(timeoutMs);
  });
});
