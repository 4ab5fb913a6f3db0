import { POINTS_UNIT, describePoints, parseArgs, type CatalogItem } from '@cofactor/schema';
import type { Sql } from '../db/sql.js';
import { errors, type InputIssue } from '../graphql/errors.js';
import { MAX_CODE_LENGTH, checkIdempotencyKey, checkText } from '../validation.js';
import type { LedgerService, RewardRow } from '../ledger/ledger.service.js';
import type { SchemeRegistry } from '../plugins/registry.js';

interface InstanceTerms {
  id: string;
  key: string;
  schemeCode: string;
  args: unknown;
}

export interface CatalogOffer {
  instanceId: string;
  instanceKey: string;
  item: CatalogItem;
}

export interface Redemption {
  reward: RewardRow;
  item: CatalogItem;
  /** The partner's balance after the redemption, in hundredths of a point. */
  balance: bigint;
}

/** Entries that count towards a points balance: everything granted (compensating entries included), not rejected or capped. */
const SPENDABLE = `kind = 'POINTS' and status not in ('REJECTED', 'CAPPED')`;

/**
 * Points balances and redemptions. A balance is the sum of a partner's POINTS entries in the
 * program (pending ones included). A redemption is one more entry — negative, APPROVED at
 * once — written under a lock on the partner, so concurrent redemptions can never take the
 * balance below zero, and keyed by the caller's idempotency key, so a retry never charges twice.
 */
export class PointsService {
  constructor(
    private readonly sql: Sql,
    private readonly registry: SchemeRegistry,
    private readonly ledger: LedgerService,
    private readonly onRewardsCommitted: (rewards: RewardRow[]) => void,
  ) {}

  async balances(programId: string, partnerIds: readonly string[]): Promise<Map<string, bigint>> {
    const rows = await this.sql.query<{ partnerId: string; balance: string }>(
      `select partner_id as "partnerId", sum(amount)::text as balance from reward
        where program_id = $1 and partner_id = any($2::bigint[]) and ${SPENDABLE} group by partner_id`,
      [programId, partnerIds],
    );
    return new Map(rows.map((row) => [row.partnerId, BigInt(row.balance)]));
  }

  /** Every item that the campaign's active scheme instances offer, with the instance it comes from. */
  async catalog(campaignId: string): Promise<CatalogOffer[]> {
    const instances = await this.sql.query<InstanceTerms>(
      `select id, key, scheme_code as "schemeCode", args from scheme_instance
        where campaign_id = $1 and retired_at is null order by position`,
      [campaignId],
    );
    return this.catalogOf(instances);
  }

  /** The items offered by these scheme instances (a campaign's active ones, in order). */
  catalogOf(instances: readonly InstanceTerms[]): CatalogOffer[] {
    return instances.flatMap((instance) => {
      const scheme = this.registry.get(instance.schemeCode);
      if (!scheme?.catalog) return [];
      const parsed = parseArgs(scheme.args, instance.args);
      if (!parsed.ok) return [];
      return scheme.catalog(parsed.values).map((item) => ({ instanceId: instance.id, instanceKey: instance.key, item }));
    });
  }

  async redeem(programId: string, campaignId: string, partnerId: string, itemCode: string, idempotencyKey: string): Promise<Redemption> {
    const issues: InputIssue[] = [];
    checkIdempotencyKey(idempotencyKey, 'idempotencyKey', issues);
    checkText(itemCode, 'itemCode', MAX_CODE_LENGTH, issues);
    if (issues.length) throw errors.badInput(issues);
    const [campaign] = await this.sql.query<{ status: string }>('select status from campaign where program_id = $1 and id = $2', [
      programId,
      campaignId,
    ]);
    if (!campaign) throw errors.notFound('campaign', campaignId);
    if (campaign.status !== 'ACTIVE') throw errors.conflict(`campaign ${campaignId} is ${campaign.status}: redemptions need an ACTIVE campaign`);
    const catalog = await this.catalog(campaignId);
    const offer = catalog.find((entry) => entry.item.code === itemCode);
    if (!offer) {
      const available = catalog.map((entry) => entry.item.code).join(', ') || 'none';
      throw errors.badInput([{ path: 'itemCode', message: `no item "${itemCode}" in this campaign's catalog (available: ${available})` }]);
    }
    const { item } = offer;
    const key = `${campaignId}:${offer.instanceKey}:redeem:${partnerId}:${idempotencyKey}`;
    const result = await this.sql.transaction(async (client) => {
      const partner = await client.query<{ status: string }>('select status from partner where program_id = $1 and id = $2 for update', [
        programId,
        partnerId,
      ]);
      if (!partner.rows[0]) throw errors.notFound('partner', partnerId);
      const balanceOf = async () =>
        BigInt(
          (
            await client.query<{ balance: string }>(
              `select coalesce(sum(amount), 0)::text as balance from reward where program_id = $1 and partner_id = $2 and ${SPENDABLE}`,
              [programId, partnerId],
            )
          ).rows[0].balance,
        );
      const done = await client.query<{ id: string }>('select id from reward where program_id = $1 and idempotency_key = $2', [programId, key]);
      if (done.rows[0]) {
        // A retry of a redemption that went through: the same answer, no second charge.
        const [reward] = await this.ledger.byIds(client, programId, [done.rows[0].id]);
        return { reward, balance: await balanceOf(), fresh: false };
      }
      if (partner.rows[0].status !== 'ACTIVE') throw errors.conflict(`partner ${partnerId} is ${partner.rows[0].status} and cannot redeem points`);
      const balance = await balanceOf();
      if (balance < item.cost) {
        throw errors.conflict(
          `a balance of ${describePoints(balance, 'en')} does not cover ${item.name} (${describePoints(item.cost, 'en')})`,
          'itemCode',
        );
      }
      const clock = new Date();
      const [reward] = await this.ledger.append(
        client,
        programId,
        [
          {
            partnerId,
            campaignId,
            schemeInstanceId: offer.instanceId,
            eventId: null,
            periodKey: null,
            status: 'APPROVED',
            kind: 'POINTS',
            amount: -item.cost,
            unit: POINTS_UNIT,
            idempotencyKey: key,
            explanationEn: `Redeemed ${describePoints(item.cost, 'en')} for ${item.name}`,
            explanationRu: `Обмен на «${item.name}»: списано ${describePoints(item.cost, 'ru')}`,
            details: { item: item.code, kind: item.kind, cost: item.cost.toString(), balanceBefore: balance.toString() },
            holdUntil: clock,
            correctsId: null,
            reversal: 'NONE',
          },
        ],
        clock,
      );
      return { reward, balance: balance - item.cost, fresh: true };
    });
    if (result.fresh) this.onRewardsCommitted([result.reward]);
    return { reward: result.reward, item, balance: result.balance };
  }
}
