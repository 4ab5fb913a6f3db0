/**
 * Property: whatever sequence of partner creations and moves happens, the upline and the
 * downline a scheme is given as of any moment between two changes are those of the sponsor
 * links at that moment (a partner that joined later counts as it joined). Runs against a real
 * PostgreSQL.
 */
import fc from 'fast-check';
import { inSubtree, startPartnerServices, type PartnerServices } from '../../../../test/support/partner-services.js';
import { BatchContext } from './batch-context.js';

let services: PartnerServices;
let sql: PartnerServices['sql'];
let hierarchy: PartnerServices['hierarchy'];
let partners: PartnerServices['partners'];

beforeAll(async () => {
  services = await startPartnerServices();
  ({ sql, hierarchy, partners } = services);
});

afterAll(async () => {
  await services?.stop();
});

const LEVELS = 4;
const pause = () => new Promise((done) => setTimeout(done, 3));

type Command = { kind: 'create'; sponsor: number | null } | { kind: 'move'; partner: number; sponsor: number | null };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), sponsor: fc.option(fc.nat(20), { nil: null }) }),
  fc.record({ kind: fc.constant('move' as const), partner: fc.nat(20), sponsor: fc.option(fc.nat(20), { nil: null }) }),
);

/** The sponsor links at one moment, and every partner's link as it joined. */
interface Moment {
  at: Date;
  sponsorOf: Map<string, string | null>;
}

function sponsorAt(moment: Moment, joined: Map<string, string | null>, id: string): string | null {
  return moment.sponsorOf.has(id) ? moment.sponsorOf.get(id)! : joined.get(id)!;
}

function expectedUpline(moment: Moment, joined: Map<string, string | null>, id: string): string[] {
  const chain: string[] = [];
  for (let current = sponsorAt(moment, joined, id); current !== null && chain.length < LEVELS; current = sponsorAt(moment, joined, current)) {
    chain.push(current);
  }
  return chain;
}

function expectedDownline(moment: Moment, joined: Map<string, string | null>, id: string): number[] {
  const byDepth: number[] = [];
  let generation = [id];
  for (let depth = 1; depth <= LEVELS && generation.length; depth++) {
    generation = [...joined.keys()].filter((candidate) => generation.includes(sponsorAt(moment, joined, candidate) ?? ''));
    if (generation.length) byDepth.push(generation.length);
  }
  return byDepth;
}

it('gives the upline and downline of the sponsor links at each moment', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 14 }), async (commands) => {
      const [{ id: programId }] = await sql.query<{ id: string }>(
        `insert into program (name, default_currency, time_zone, token_secret) values ('p', 'RUB', 'UTC', 's') returning id`,
      );
      const ids: string[] = [];
      const joined = new Map<string, string | null>();
      const sponsorOf = new Map<string, string | null>();
      const moments: Moment[] = [];
      for (const step of commands) {
        const sponsor = step.sponsor === null || ids.length === 0 ? null : ids[step.sponsor % ids.length];
        if (step.kind === 'create' || ids.length === 0) {
          const created = await partners.create(programId, { name: `n${ids.length}`, kind: 'AMBASSADOR', sponsorId: sponsor });
          ids.push(created.id);
          joined.set(created.id, sponsor);
          sponsorOf.set(created.id, sponsor);
        } else {
          const partner = ids[step.partner % ids.length];
          if (sponsor !== null && inSubtree(sponsorOf, partner, sponsor)) continue;
          await hierarchy.move(programId, partner, sponsor);
          sponsorOf.set(partner, sponsor);
        }
        // A moment strictly between this change and the next.
        await pause();
        moments.push({ at: new Date(), sponsorOf: new Map(sponsorOf) });
        await pause();
      }
      for (const moment of moments) {
        await sql.transaction(async (client) => {
          const context = new BatchContext(client, programId, [], moment.at, 'UTC');
          for (const id of ids) {
            const upline = await context.upline(id, LEVELS, moment.at);
            expect(upline.map((member) => member.partner.id)).toEqual(expectedUpline(moment, joined, id));
            expect((await context.downline(id, LEVELS, moment.at)).byDepth).toEqual(expectedDownline(moment, joined, id));
          }
        });
      }
    }),
    { numRuns: 12 },
  );
});
