import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** The parsed body: `{ type, timestamp, data }`. */
  message: { type: string; timestamp: string; data: Record<string, any> };
  path: string;
}

export type Answer = (request: IncomingMessage, response: ServerResponse) => void;

/** Answers 200 "ok". */
export const accept: Answer = (_request, response) => response.end('ok');

/**
 * A real HTTP receiver on a loopback port, as an integrator's endpoint would be: it records
 * every request, and the test decides how it answers (`answer`), or stops it and starts it
 * again on the same port.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  answer: Answer = accept;
  private server: Server | null = null;

  private constructor(public port: number) {}

  static async start(port = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(port);
    await receiver.listen();
    return receiver;
  }

  url(path = '/hooks'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async listen(): Promise<void> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.received.push({
          id: String(request.headers['webhook-id']),
          timestamp: String(request.headers['webhook-timestamp']),
          signature: String(request.headers['webhook-signature']),
          body,
          message: JSON.parse(body),
          path: request.url ?? '',
        });
        this.answer(request, response);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Stops listening: the next attempts find the port closed. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** Every message once, in the order first received: what a receiver that drops repeated webhook-ids keeps. */
  unique(): ReceivedWebhook[] {
    const seen = new Set<string>();
    return this.received.filter((item) => !seen.has(item.id) && seen.add(item.id));
  }

  async waitFor(done: () => boolean, timeoutMs = 20_000): Promise<void> {
    for (const started = Date.now(); !done(); ) {
      if (Date.now() - started > timeoutMs) throw new Error(`waited ${timeoutMs} ms; received ${this.received.length} requests`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
