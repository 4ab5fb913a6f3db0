import { parseArgs, type CatalogItem } from '@cofactor/schema';
import type { Sql } from '../db/sql.js';
import { errors, type InputIssue } from '../graphql/errors.js';
import { MAX_CODE_LENGTH, checkIdempotencyKey, checkText } from '../validation.js';
import type { RewardRow } from '../ledger/ledger.service.js';
import type { Rewarding } from '../rewarding/rewarding.js';
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

/**
 * Points redemptions. A balance is the sum of a partner's spendable POINTS entries in the
 * program (pending ones included; read with the statements, `LedgerService.summaries`). A redemption checks the request and the campaign's
 * catalog here, then goes through the rewarding pipeline (`Rewarding.redeemPoints`).
 */
export class PointsService {
  constructor(
    private readonly sql: Sql,
    private readonly registry: SchemeRegistry,
    private readonly rewarding: Rewarding,
  ) {}

  /** Every item that the campaign's active scheme instances offer, with the instance it comes from. */
  async catalog(campaignId: string): Promise<CatalogOffer[]> {
    const instances = await this.sql.query<InstanceTerms>(
      `select id, key, scheme_code as "schemeCode", args from scheme_instance
        where campaign_id = $1 and retired_at is null order by position`,
      [campaignId],
    );
    return this.catalogOf(instances);
  }

  /** What points can be spent on now: the catalogs of the program's ACTIVE campaigns, by campaign, then instance order. */
  async activeCatalog(programId: string): Promise<(CatalogOffer & { campaignId: string; campaignName: string })[]> {
    const instances = await this.sql.query<InstanceTerms & { campaignId: string; campaignName: string }>(
      `select i.id, i.key, i.scheme_code as "schemeCode", i.args, c.id::text as "campaignId", c.name as "campaignName"
         from scheme_instance i join campaign c on c.id = i.campaign_id
        where c.program_id = $1 and c.status = 'ACTIVE' and i.retired_at is null order by c.id, i.position`,
      [programId],
    );
    return instances.flatMap((instance) => this.catalogOf([instance]).map((offer) => ({ ...offer, campaignId: instance.campaignId, campaignName: instance.campaignName })));
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
    const { reward, balance } = await this.rewarding.redeemPoints(programId, {
      campaignId,
      partnerId,
      instanceId: offer.instanceId,
      instanceKey: offer.instanceKey,
      item: offer.item,
      idempotencyKey,
    });
    return { reward, item: offer.item, balance };
  }
}
