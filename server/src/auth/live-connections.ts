import type { IncomingMessage } from 'node:http';
import type { GraphQLError } from 'graphql';
import type { Context } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { BoardLinks } from '../leaderboards/board-links.js';
import { isReaderKey } from './access.js';
import type { AuthService, Principal } from './auth.service.js';

/** WebSocket close codes for a refused or ended connection (graphql-ws uses 4403 for Forbidden, 4429 for too many). */
export const WS_UNAUTHENTICATED = 4401;
export const WS_FORBIDDEN = 4403;
export const WS_RATE_LIMITED = 4429;
const WS_INTERNAL_ERROR = 1011;
/** A close reason is at most 123 bytes. */
const MAX_REASON_BYTES = 123;

/** What graphql-ws hands `onConnect`: the socket and its upgrade request, and where the caller is kept. */
export type ConnectionExtra = { socket: WebSocket; request: IncomingMessage; principal?: Principal | null; boardLink?: string };

interface Held {
  socket: WebSocket;
  credential: string;
  principal: Principal;
}

/** A connection opened with a published board link: it may watch that board and nothing else. */
interface HeldLink {
  socket: WebSocket;
  token: string;
}

/**
 * WebSocket connections authenticate once, at `connection_init`; this keeps them honest
 * afterwards. A partner token's connection is closed at its `exp`. Every
 * `credentialRecheckSeconds` all open connections are checked again in two reads (keys
 * revoked, partners no longer ACTIVE, token secrets rotated — by this process or any other
 * sharing the database), and those no longer accepted are closed with 4401.
 *
 * A connection may instead be opened with a published board link (`connectionParams.boardLink`,
 * no credential): it is anonymous and can only watch that board (`publicLeaderboardChanged`).
 * It is closed with 4403 once the link is revoked, at the next recheck.
 */
export class LiveConnections {
  private readonly held = new Set<Held>();
  private readonly links = new Set<HeldLink>();
  private readonly recheckTimer: NodeJS.Timeout | null;

  constructor(
    private readonly auth: AuthService,
    private readonly boardLinks: BoardLinks,
    recheckSeconds: number,
    wsServer: WebSocketServer,
  ) {
    this.recheckTimer = recheckSeconds > 0 ? setInterval(() => void this.recheck(), recheckSeconds * 1000) : null;
    this.recheckTimer?.unref();
    wsServer.once('close', () => {
      if (this.recheckTimer) clearInterval(this.recheckTimer);
    });
  }

  /** graphql-ws `onConnect`: authenticates `connection_init`, closing the socket with a code that says why when refused. */
  async admit(ctx: Context<Record<string, unknown> | undefined, ConnectionExtra>): Promise<boolean> {
    const { socket, request } = ctx.extra;
    const authorization = ctx.connectionParams?.authorization;
    const boardLink = ctx.connectionParams?.boardLink;
    if (authorization === undefined && typeof boardLink === 'string') return this.admitLink(ctx.extra, boardLink);
    try {
      const principal = await this.auth.authenticate(authorization, request);
      if (!principal) {
        close(socket, WS_UNAUTHENTICATED, 'UNAUTHENTICATED: send connectionParams.authorization = "Bearer <token>"');
        return false;
      }
      if (principal.kind === 'apiKey' && !isReaderKey(principal)) {
        close(socket, WS_FORBIDDEN, 'FORBIDDEN: subscriptions need a partner token or an API key with analytics:read');
        return false;
      }
      ctx.extra.principal = principal;
      this.hold({ socket, credential: String(authorization).trim().replace(/^Bearer\s+/i, ''), principal });
      return true;
    } catch (error) {
      const code = (error as GraphQLError).extensions?.code;
      if (code === 'RATE_LIMITED') close(socket, WS_RATE_LIMITED, `RATE_LIMITED: ${(error as Error).message}`);
      else if (code === 'UNAUTHENTICATED') close(socket, WS_UNAUTHENTICATED, `UNAUTHENTICATED: ${(error as Error).message}`);
      else close(socket, WS_INTERNAL_ERROR, 'INTERNAL_SERVER_ERROR: could not authenticate the connection');
      return false;
    }
  }

  /** A link is guessed no more cheaply than a credential: a wrong one counts as a failed authentication of the address. */
  private async admitLink(extra: ConnectionExtra, token: string): Promise<boolean> {
    const address = this.auth.failures.clientAddress(extra.request);
    try {
      await this.auth.failures.refuseIfBlocked(address);
      if (!(await this.boardLinks.open(token))) {
        await this.auth.failures.record(address);
        close(extra.socket, WS_FORBIDDEN, 'FORBIDDEN: this board link is unknown or was revoked');
        return false;
      }
    } catch (error) {
      if ((error as GraphQLError).extensions?.code === 'RATE_LIMITED') close(extra.socket, WS_RATE_LIMITED, `RATE_LIMITED: ${(error as Error).message}`);
      else close(extra.socket, WS_INTERNAL_ERROR, 'INTERNAL_SERVER_ERROR: could not open the board link');
      return false;
    }
    extra.principal = null;
    extra.boardLink = token;
    const entry = { socket: extra.socket, token };
    this.links.add(entry);
    extra.socket.once('close', () => this.links.delete(entry));
    return true;
  }

  private hold(entry: Held): void {
    this.held.add(entry);
    const expiry =
      entry.principal.kind === 'partner'
        ? setTimeout(() => close(entry.socket, WS_UNAUTHENTICATED, 'UNAUTHENTICATED: the partner token expired'), entry.principal.expiresAt.getTime() - Date.now())
        : null;
    entry.socket.once('close', () => {
      if (expiry) clearTimeout(expiry);
      this.held.delete(entry);
    });
  }

  private async recheck(): Promise<void> {
    await Promise.all([this.recheckCredentials(), this.recheckLinks()]);
  }

  private async recheckLinks(): Promise<void> {
    const entries = [...this.links];
    try {
      // One read per link, however many screens show it.
      const open = new Map<string, Promise<unknown>>();
      for (const { token } of entries) if (!open.has(token)) open.set(token, this.boardLinks.open(token));
      for (const entry of entries) if (!(await open.get(entry.token))) close(entry.socket, WS_FORBIDDEN, 'FORBIDDEN: the board link was revoked');
    } catch (error) {
      console.error(`cofactor: re-checking board links failed: ${(error as Error).message}`);
    }
  }

  private async recheckCredentials(): Promise<void> {
    const entries = [...this.held];
    if (entries.length === 0) return;
    try {
      const problems = await this.auth.recheck(entries);
      entries.forEach((entry, index) => {
        const problem = problems[index];
        if (problem) close(entry.socket, WS_UNAUTHENTICATED, `UNAUTHENTICATED: ${problem}`);
      });
    } catch (error) {
      // The database is unreachable: keep the connections and try again at the next recheck.
      console.error(`cofactor: re-checking WebSocket credentials failed: ${(error as Error).message}`);
    }
  }
}

function close(socket: WebSocket, code: number, reason: string): void {
  let text = reason;
  while (Buffer.byteLength(text) > MAX_REASON_BYTES) text = text.slice(0, -1);
  socket.close(code, text);
}
