/**
 * Property: whatever sequence of partner creations and moves happens, the closure table
 * is exactly the transitive closure of the sponsor links, and a move that would make a
 * cycle is refused and changes nothing. Runs against a real PostgreSQL.
 */
import fc from 'fast-check';
import { inSubtree, startPartnerServices, type PartnerServices } from '../../../test/support/partner-services.js';

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

type Command = { kind: 'create'; sponsor: number | null } | { kind: 'move'; partner: number; sponsor: number | null };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), sponsor: fc.option(fc.nat(30), { nil: null }) }),
  fc.record({ kind: fc.constant('move' as const), partner: fc.nat(30), sponsor: fc.option(fc.nat(30), { nil: null }) }),
);

/** The closure implied by sponsor links: every (ancestor, descendant, depth), self at depth 0. */
function expectedClosure(sponsorOf: Map<string, string | null>): string[] {
  const rows: string[] = [];
  for (const id of sponsorOf.keys()) {
    let current: string | null = id;
    for (let depth = 0; current !== null; depth++) {
      rows.push(`${current}>${id}@${depth}`);
      current = sponsorOf.get(current) ?? null;
    }
  }
  return rows.sort();
}

it('keeps the closure table equal to the sponsor links and refuses every cycle', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
      const [{ id: programId }] = await sql.query<{ id: string }>(
        `insert into program (name, default_currency, time_zone, token_secret) values ('p', 'RUB', 'UTC', 's') returning id`,
      );
      const ids: string[] = [];
      const sponsorOf = new Map<string, string | null>();
      for (const step of commands) {
        const sponsor = step.sponsor === null || ids.length === 0 ? null : ids[step.sponsor % ids.length];
        if (step.kind === 'create' || ids.length === 0) {
          const created = await partners.create(programId, { name: `n${ids.length}`, kind: 'AMBASSADOR', sponsorId: sponsor });
          ids.push(created.id);
          sponsorOf.set(created.id, sponsor);
          continue;
        }
        const partner = ids[step.partner % ids.length];
        const cycle = sponsor !== null && inSubtree(sponsorOf, partner, sponsor);
        const moved = hierarchy.move(programId, partner, sponsor);
        if (cycle) {
          await expect(moved).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'sponsorId' } });
        } else {
          await moved;
          sponsorOf.set(partner, sponsor);
        }
      }
      const stored = await sql.query<{ row: string }>(
        `select c.ancestor_id || '>' || c.descendant_id || '@' || c.depth as row
           from partner_closure c join partner p on p.id = c.descendant_id where p.program_id = $1`,
        [programId],
      );
      expect(stored.map((r) => r.row).sort()).toEqual(expectedClosure(sponsorOf));
      const links = await sql.query<{ id: string; sponsorId: string | null }>(
        'select id, sponsor_id as "sponsorId" from partner where program_id = $1',
        [programId],
      );
      expect(new Map(links.map((link) => [link.id, link.sponsorId]))).toEqual(sponsorOf);
    }),
    { numRuns: 40 },
  );
});
