import type { LookupAddress } from 'node:dns';
import { guardedLookup, isRefusedAddress, refusedHost, type Resolve } from './address-guard.js';

describe('the addresses webhooks may not reach', () => {
  it.each([
    '127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.10.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '224.0.0.1', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:c0a8:1', 'not an address',
  ])('refuses %s', (address) => {
    expect(isRefusedAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '172.32.0.1', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8', '::ffff:808:808'])('allows %s', (address) => {
    expect(isRefusedAddress(address)).toBe(false);
  });

  it('judges a URL host before any look-up: addresses, bracketed IPv6 and localhost', () => {
    expect(refusedHost('10.0.0.1')).toBe('10.0.0.1 is a loopback, private or link-local address');
    expect(refusedHost('[fe80::1]')).toBe('fe80::1 is a loopback, private or link-local address');
    expect(refusedHost('LOCALHOST.')).toBe('LOCALHOST. names this host');
    expect(refusedHost('api.localhost')).toBe('api.localhost names this host');
    expect(refusedHost('hooks.example.com')).toBeNull();
    expect(refusedHost('8.8.4.4')).toBeNull();
  });
});

describe('guardedLookup', () => {
  const resolving = (...addresses: string[]): Resolve => (_hostname, callback) =>
    callback(null, addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })));
  const look = (resolve: Resolve, options: { all?: boolean; family?: number } = {}) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }>((done) =>
      guardedLookup(resolve)('hooks.example.com', options as never, (error, address, family) => done({ error, address, family })),
    );

  it('refuses a name when any of its addresses is refused, so a rebinding name cannot pick the private one', async () => {
    const { error } = await look(resolving('93.184.216.34', '10.0.0.5'));
    expect(error?.message).toBe('hooks.example.com resolves to 10.0.0.5, a loopback, private or link-local address');
    expect(error?.code).toBe('EADDRREFUSED');
  });

  it('connects to the address it checked', async () => {
    expect(await look(resolving('93.184.216.34'))).toEqual({ error: null, address: '93.184.216.34', family: 4 });
    expect(await look(resolving('93.184.216.34', '2606:4700::1111'), { family: 6 })).toEqual({ error: null, address: '2606:4700::1111', family: 6 });
    expect((await look(resolving('93.184.216.34', '2606:4700::1111'), { all: true })).address).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700::1111', family: 6 },
    ]);
  });

  it('passes a failed look-up on', async () => {
    const failing: Resolve = (_hostname, callback) => callback(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), []);
    expect((await look(failing)).error?.code).toBe('ENOTFOUND');
  });
});
