import { SignJWT } from 'jose';
import { SignatureChecks } from './auth.service.js';

const SECRET = 'a-program-token-secret-of-32-bytes!!';
const sign = (secret: string, lifetimeSeconds: number) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ prg: '1' }).setProtectedHeader({ alg: 'HS256' }).setSubject('7').setAudience('cofactor:partner')
    .setIssuedAt(now).setExpirationTime(now + lifetimeSeconds).sign(new TextEncoder().encode(secret));
};

describe('SignatureChecks', () => {
  it('answers a remembered token again, until it expires', async () => {
    const checks = new SignatureChecks();
    const token = await sign(SECRET, 1);
    expect(await checks.problem(token, SECRET)).toBeNull();
    expect(await checks.problem(token, SECRET)).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await checks.problem(token, SECRET)).toBe('it expired');
  });

  it('never answers from memory for another secret: a rotated secret refuses the old tokens at once', async () => {
    const checks = new SignatureChecks();
    const token = await sign(SECRET, 3600);
    expect(await checks.problem(token, SECRET)).toBeNull();
    expect(await checks.problem(token, 'the-rotated-secret-of-the-program!!!')).toBe('invalid signature or claims');
  });

  it('remembers nothing of a forged token', async () => {
    const checks = new SignatureChecks();
    const forged = await sign('somebody-elses-secret-of-32-bytes!!', 3600);
    expect(await checks.problem(forged, SECRET)).toBe('invalid signature or claims');
    expect(await checks.problem(forged, SECRET)).toBe('invalid signature or claims');
  });
});
