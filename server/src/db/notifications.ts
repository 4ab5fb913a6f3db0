import pg from 'pg';

/** How long the listener waits before connecting again after a lost connection: doubling from the first to the last. */
export const LISTEN_RETRY_FIRST_MS = 100;
export const LISTEN_RETRY_LAST_MS = 5000;

export type NotificationHandler = (payload: string) => void;

/**
 * The one listening connection of a server process: PostgreSQL `LISTEN` on the channels
 * handlers were added for. NOTIFY is delivered only when the sending transaction commits,
 * so what a handler hears is committed. A lost connection (PostgreSQL restarted, network)
 * is opened again with a growing pause, without ending the process; notifications sent
 * while it was down are gone, so `onReconnect` handlers catch up by reading the database.
 */
export class DatabaseNotifications {
  private readonly handlers = new Map<string, NotificationHandler[]>();
  private readonly reconnected: (() => void)[] = [];
  private client: pg.Client | null = null;
  private retryMs = LISTEN_RETRY_FIRST_MS;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Adds a handler for `channel`; call before `start()`. */
  on(channel: string, handler: NotificationHandler): void {
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
  }

  /** Called after the connection was lost and opened again (not after the first connect). */
  onReconnect(handler: () => void): void {
    this.reconnected.push(handler);
  }

  /** Connects and listens; the first connection must succeed, later ones are retried. */
  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => this.deliver(message.channel, message.payload ?? ''));
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`listen ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.closed) return void (await client.end().catch(() => {}));
    this.client = client;
    this.retryMs = LISTEN_RETRY_FIRST_MS;
  }

  private deliver(channel: string, payload: string): void {
    for (const handler of this.handlers.get(channel) ?? []) {
      try {
        handler(payload);
      } catch (error) {
        this.onError(error as Error);
      }
    }
  }

  private lost(client: pg.Client): void {
    if (this.closed || this.client !== client) return;
    this.client = null;
    client.end().catch(() => {});
    this.reconnectLater();
  }

  private reconnectLater(): void {
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect().then(
        () => this.reconnected.forEach((handler) => handler()),
        (error: Error) => {
          if (this.closed) return;
          this.onError(error);
          this.retryMs = Math.min(this.retryMs * 2, LISTEN_RETRY_LAST_MS);
          this.reconnectLater();
        },
      );
    }, this.retryMs);
    this.retry.unref();
  }
}
