import type { IncomingMessage } from 'node:http';
import express from 'express';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { errors } from '../graphql/errors.js';

type Trust = (address: string, hop: number) => boolean;

/**
 * Failed authentications per client address in a one-minute window (`authFailuresPerMinute`).
 * Past the limit every request from that address is refused with RATE_LIMITED until the window
 * ends, so guessing keys or tokens costs a minute per few dozen tries; other addresses are not
 * affected. The counts live in this process: each server process counts on its own.
 */
export class FailedAuthentications {
  private readonly limiter: RateLimiterMemory;
  private readonly trust: Trust;

  constructor(
    private readonly perMinute: number,
    trustProxy: boolean | number | string,
  ) {
    this.limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
    // Express's own reading of `trust proxy`, so an address here is the one `req.ip` names.
    this.trust = express().set('trust proxy', trustProxy).get('trust proxy fn') as Trust;
  }

  /**
   * The client's address: the socket's peer, or, through each trusted proxy, the address that
   * proxy put last in X-Forwarded-For. Works for HTTP requests and WebSocket upgrades alike.
   */
  clientAddress(request: IncomingMessage): string {
    const forwarded = String(request.headers['x-forwarded-for'] ?? '').split(',').map((hop) => hop.trim()).filter(Boolean).reverse();
    const hops = [request.socket.remoteAddress ?? 'unknown', ...forwarded];
    let hop = 0;
    while (hop < hops.length - 1 && this.trust(hops[hop], hop)) hop++;
    return hops[hop];
  }

  /** Throws RATE_LIMITED while the address is past its limit. */
  async refuseIfBlocked(address: string): Promise<void> {
    const counted = await this.limiter.get(address);
    if (counted && counted.consumedPoints > this.perMinute) throw errors.rateLimited(Math.ceil(counted.msBeforeNext / 1000));
  }

  /** Counts one failure; the one that goes past the limit is already answered RATE_LIMITED. */
  async record(address: string): Promise<void> {
    const counted = await this.limiter.penalty(address, 1);
    if (counted.consumedPoints > this.perMinute) throw errors.rateLimited(Math.ceil(counted.msBeforeNext / 1000));
  }
}
