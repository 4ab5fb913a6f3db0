import type { IncomingMessage } from 'node:http';
import { FailedAuthentications } from './failed-authentications.js';

/** A request as the server sees it: the socket's peer and the header a proxy may have added. */
function from(peer: string, forwardedFor?: string): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} } as unknown as IncomingMessage;
}

describe('the client address failures are counted against', () => {
  it('is the peer when no proxy is trusted, whatever X-Forwarded-For claims', () => {
    expect(new FailedAuthentications(30, false).clientAddress(from('198.51.100.9', '203.0.113.7'))).toBe('198.51.100.9');
  });

  it('is the first address of X-Forwarded-For when every proxy is trusted', () => {
    expect(new FailedAuthentications(30, true).clientAddress(from('10.0.0.2', '203.0.113.7, 10.0.0.1'))).toBe('203.0.113.7');
  });

  it('is the address the trusted proxies saw, not what the client wrote in front of it', () => {
    // One trusted hop (the load balancer at 10.0.0.2): the client wrote "1.2.3.4", the balancer appended its peer.
    expect(new FailedAuthentications(30, 1).clientAddress(from('10.0.0.2', '1.2.3.4, 203.0.113.7'))).toBe('203.0.113.7');
    expect(new FailedAuthentications(30, 'loopback').clientAddress(from('127.0.0.1', '1.2.3.4, 203.0.113.7'))).toBe('203.0.113.7');
  });
});

describe('a limit of 2 failures a minute', () => {
  it('answers the 3rd failure and every later request from that address RATE_LIMITED, and no other address', async () => {
    const failures = new FailedAuthentications(2, false);
    await failures.record('203.0.113.7');
    await failures.record('203.0.113.7');
    await expect(failures.refuseIfBlocked('203.0.113.7')).resolves.toBeUndefined();
    await expect(failures.record('203.0.113.7')).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    await expect(failures.refuseIfBlocked('203.0.113.7')).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    await expect(failures.refuseIfBlocked('198.51.100.2')).resolves.toBeUndefined();
  });
});
