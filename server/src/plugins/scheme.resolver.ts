import type { ArgDefinitions, RewardScheme } from '@cofactor/schema';
import { Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../graphql/context.js';
import { ArgTypeEnum, type ArgDefinitionType, RewardSchemeDefinition } from './scheme.types.js';

function toArgs(definitions: ArgDefinitions): ArgDefinitionType[] {
  return Object.entries(definitions).map(([name, definition]) => ({
    name,
    type: definition.type as ArgTypeEnum,
    required: definition.required ?? false,
    default: definition.default ?? null,
    list: definition.list ?? false,
    min: definition.min === undefined ? null : String(definition.min),
    max: definition.max === undefined ? null : String(definition.max),
    minItems: definition.minItems ?? null,
    maxItems: definition.maxItems ?? null,
    options: definition.options ? [...definition.options] : null,
    fields: definition.fields ? toArgs(definition.fields) : null,
    label: definition.label,
    help: definition.help ?? null,
    ui: definition.ui ?? null,
  }));
}

export function toDefinition(scheme: RewardScheme): RewardSchemeDefinition {
  return {
    code: scheme.code,
    version: scheme.version,
    name: scheme.name,
    description: scheme.description,
    eventTypes: [...scheme.eventTypes],
    args: toArgs(scheme.args),
  };
}

@Resolver()
export class SchemeResolver {
  /** Public: a cabinet renders campaign config forms from these before anyone logs in. */
  @Query(() => [RewardSchemeDefinition], { description: 'The reward schemes installed on this server, with their arg definitions.' })
  rewardSchemes(@Ctx() ctx: RequestContext): RewardSchemeDefinition[] {
    return ctx.app.registry.list().map(toDefinition);
  }
}
