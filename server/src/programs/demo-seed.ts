import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from '../app.js';
import { newTokenSecret } from '../auth/auth.service.js';
import { Region } from '../regions/region.entity.js';
import { Program } from './program.entity.js';

export interface DemoSeed {
  programId: string;
  created: boolean;
  /** The demo admin key, if this data directory knows it (it is shown in full only once). */
  adminKey: string | null;
}

/**
 * On an empty database: a demo program (RUB, Moscow time), a region tree, a small
 * referral tree, a coupon, an ACTIVE campaign paying 5% of sales plus 3% / 1% up two
 * levels, a second one with targets and points (`seedGoalsCampaign`), and an admin API key
 * saved to `<dataDir>/demo-admin-key` so later starts can print it again. Does nothing when a
 * program exists.
 */
export async function seedDemo(app: App): Promise<DemoSeed> {
  const keyFile = join(app.config.dataDir, 'demo-admin-key');
  const em = app.orm.em.fork();
  const [existing] = await em.find(Program, {}, { orderBy: { id: 'asc' }, limit: 1 });
  if (existing) {
    return { programId: existing.id, created: false, adminKey: existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : null };
  }
  const program = em.create(Program, { name: 'Demo brand', defaultCurrency: 'RUB', timeZone: 'Europe/Moscow', tokenSecret: newTokenSecret() });
  await em.flush();
  const russia = em.create(Region, { programId: program.id, code: 'RU', name: 'Russia', parentId: null });
  await em.flush();
  const moscow = em.create(Region, { programId: program.id, code: 'RU-MOW', name: 'Moscow', parentId: russia.id });
  em.create(Region, { programId: program.id, code: 'RU-SPE', name: 'Saint Petersburg', parentId: russia.id });
  await em.flush();

  const ivan = await app.partners.create(program.id, { name: 'Ivan Petrov', kind: 'AMBASSADOR', regionCode: 'RU-MOW', referralCode: 'IVAN' });
  const maria = await app.partners.create(program.id, { name: 'Maria Sokolova', kind: 'COFACTOR', regionCode: 'RU-MOW', referralCode: 'MARIA', sponsorId: ivan.id });
  await app.partners.create(program.id, { name: 'Oleg Smirnov', kind: 'RESELLER', regionCode: 'RU-SPE', referralCode: 'OLEG', sponsorId: maria.id });
  await app.partners.create(program.id, { name: 'Service Centre No. 1', kind: 'SERVICE_CENTER', segment: 'MEDIUM', regionId: moscow.id, referralCode: 'SC-1' });
  await app.sql.query('insert into coupon (program_id, code, partner_id) values ($1, $2, $3)', [program.id, 'MARIA10', maria.id]);

  const schemes = [
    { code: 'percentage-of-sales', args: { percent: '5' } },
    { code: 'multi-level', args: { levels: ['3', '1'] } },
  ].filter((scheme) => app.registry.get(scheme.code));
  if (schemes.length) {
    const campaign = await app.campaigns.create(program.id, {
      name: 'Launch campaign',
      startsAt: new Date('2026-01-01T00:00:00Z'),
      currency: 'RUB',
      holdDays: 14,
      schemes,
    });
    await app.campaigns.activate(program.id, campaign.id);
  }

  await seedGoalsCampaign(app, program.id);
  const { key } = await app.auth.createApiKey(program.id, 'Demo admin', ['admin']);
  mkdirSync(app.config.dataDir, { recursive: true });
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  return { programId: program.id, created: true, adminKey: key };
}

/**
 * A campaign whose targets and catalog the demo cabinet shows from the first start: a bonus for
 * five new customers, a monthly volume ladder and points per sale with two items to spend them
 * on (the first costs one point, what a single sale earns). Its rewards come after the launch
 * campaign's in every batch, so the README's walkthrough keeps its reward ids.
 */
async function seedGoalsCampaign(app: App, programId: string): Promise<void> {
  const schemes = [
    { code: 'fixed-goal', args: { metric: 'NEW_CUSTOMERS', target: 5, amount: '300000' } },
    { code: 'volume-bonus', args: { period: 'MONTH', steps: [{ from: '5000000', percent: '2' }, { from: '15000000', percent: '3', bonus: '500000' }] } },
    {
      code: 'points',
      args: {
        catalog: [
          { code: 'MUG', name: 'Branded mug', kind: 'MERCHANDISE', cost: '1' },
          { code: 'MASTERCLASS', name: 'Sales masterclass', kind: 'TRAINING', cost: '20' },
        ],
      },
    },
  ].filter((scheme) => app.registry.get(scheme.code));
  if (schemes.length === 0) return;
  const campaign = await app.campaigns.create(programId, { name: 'Goals and points', startsAt: new Date('2026-01-01T00:00:00Z'), currency: 'RUB', holdDays: 14, schemes });
  await app.campaigns.activate(programId, campaign.id);
}

/** How long the demo partner's links printed at start live. */
const DEMO_LINK_TTL_SECONDS = 24 * 3600;

/**
 * The demo partner Oleg's cabinet and live board in the web client, with a partner token in the
 * links as a brand's backend would put it; null if Oleg is gone or no longer ACTIVE.
 */
export async function demoPartnerLinks(app: App, programId: string, webUrl: string): Promise<{ cabinet: string; board: string } | null> {
  const [oleg] = await app.sql.query<{ id: string }>(`select id::text from partner where program_id = $1 and referral_code = 'OLEG' and status = 'ACTIVE'`, [programId]);
  if (!oleg) return null;
  const { token } = await app.auth.issuePartnerToken(programId, oleg.id, DEMO_LINK_TTL_SECONDS);
  return { cabinet: `${webUrl}#/cabinet?token=${token}`, board: `${webUrl}#/board?token=${token}&metric=NET_SALES&period=MONTH` };
}
