import { describeTerms } from '@cofactor/schema';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { LocalizedText } from '../graphql/common.types.js';
import type { RequestContext } from '../graphql/context.js';
import { SchemeInstanceType } from './campaign.types.js';
import type { SchemeInstance } from './scheme-instance.entity.js';

/** A scheme instance in words: what a partner reads instead of its args. */
@Resolver(() => SchemeInstanceType)
export class SchemeInstanceResolver {
  @FieldResolver(() => LocalizedText, { description: "The scheme's name; its code when the scheme is no longer installed." })
  name(@Root() instance: SchemeInstance, @Ctx() ctx: RequestContext): LocalizedText {
    const scheme = ctx.app.registry.get(instance.schemeCode);
    return scheme?.name ?? { en: instance.schemeCode, ru: instance.schemeCode };
  }

  @FieldResolver(() => LocalizedText, { description: 'What the scheme pays for, in general; `terms` gives this instance’s figures.' })
  description(@Root() instance: SchemeInstance, @Ctx() ctx: RequestContext): LocalizedText {
    const scheme = ctx.app.registry.get(instance.schemeCode);
    return scheme?.description ?? { en: instance.schemeCode, ru: instance.schemeCode };
  }

  @FieldResolver(() => LocalizedText, {
    description: "This instance's args in words, each with its label: percents, amounts in the campaign's currency, options by their names.",
  })
  async terms(@Root() instance: SchemeInstance, @Ctx() ctx: RequestContext): Promise<LocalizedText> {
    const scheme = ctx.app.registry.get(instance.schemeCode);
    const campaign = await ctx.loaders.campaign.load(instance.campaignId);
    return describeTerms(scheme?.args ?? {}, instance.args, campaign?.currency ?? '');
  }
}
