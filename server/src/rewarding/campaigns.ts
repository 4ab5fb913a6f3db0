import { parseArgs, type CampaignSnapshot, type PartnerSnapshot, type Period, type RewardScheme } from '@cofactor/schema';
import type { Targeting } from '../campaigns/campaign.entity.js';
import type { SchemeRegistry } from '../plugins/registry.js';
import type { StoredCampaigns } from './store.js';

export interface RunnableInstance {
  id: string;
  key: string;
  scheme: RewardScheme;
  args: unknown;
}

/** A campaign ready to run: its installed schemes with parsed args, its targeting with sub-regions. */
export interface RunnableCampaign {
  snapshot: CampaignSnapshot;
  holdDays: number;
  targeting: Targeting;
  /** The targeted regions and every region below them. */
  regionIds: Set<string> | null;
  instances: RunnableInstance[];
}

/** Stored campaigns made runnable; a scheme that is not installed, or args that no longer parse, stop the batch. */
export function runnable(stored: StoredCampaigns, registry: SchemeRegistry): RunnableCampaign[] {
  return stored.campaigns.map((campaign) => ({
    snapshot: { id: campaign.id, name: campaign.name, currency: campaign.currency, startsAt: campaign.startsAt, endsAt: campaign.endsAt },
    holdDays: campaign.holdDays,
    targeting: campaign.targeting,
    regionIds: campaign.targeting.regionIds.length ? withSubregions(campaign.targeting.regionIds, stored.regions) : null,
    instances: stored.instances
      .filter((instance) => instance.campaignId === campaign.id)
      .map((instance) => {
        const scheme = registry.get(instance.schemeCode);
        if (!scheme) throw new Error(`campaign ${campaign.id} runs scheme ${instance.schemeCode}, which is not installed`);
        const parsed = parseArgs(scheme.args, instance.args);
        if (!parsed.ok) throw new Error(`stored args of scheme instance ${instance.id} no longer parse: ${parsed.issues[0].message}`);
        return { id: instance.id, key: instance.key, scheme, args: parsed.values };
      }),
  }));
}

/** Whether the campaign's targeting (regions with their sub-regions, kinds, segments, levels) takes in the partner. */
export function targets(campaign: RunnableCampaign, partner: PartnerSnapshot): boolean {
  const { targeting } = campaign;
  if (campaign.regionIds && !(partner.regionId && campaign.regionIds.has(partner.regionId))) return false;
  if (targeting.partnerKinds.length && !targeting.partnerKinds.includes(partner.kind)) return false;
  if (targeting.segments.length && !(partner.segment && targeting.segments.includes(partner.segment))) return false;
  if (targeting.levels.length && !targeting.levels.includes(partner.level)) return false;
  return true;
}

export function inCampaign(campaign: CampaignSnapshot, at: Date): boolean {
  return at >= campaign.startsAt && (campaign.endsAt === null || at < campaign.endsAt);
}

/** The last instant of a period the campaign closes (clipped to the campaign's end): the close reads the program as it was then. */
export function closesAt(campaign: CampaignSnapshot, period: Period): Date {
  const endsAt = campaign.endsAt && campaign.endsAt < period.endsAt ? campaign.endsAt : period.endsAt;
  return new Date(endsAt.getTime() - 1);
}

function withSubregions(roots: string[], tree: { id: string; parentId: string | null }[]): Set<string> {
  const result = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const region of tree) {
      if (region.parentId && result.has(region.parentId) && !result.has(region.id)) {
        result.add(region.id);
        grew = true;
      }
    }
  }
  return result;
}
