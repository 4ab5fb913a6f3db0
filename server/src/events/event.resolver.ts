import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { callerProgram } from '../auth/access.js';
import { Requires } from '../auth/requires.js';
import type { RequestContext } from '../graphql/context.js';
import type { RecordEventsResult } from '../rewarding/event.js';
import { EventInputType, RecordEventsResult as RecordEventsResultType } from './event.types.js';

@Resolver()
export class EventResolver {
  @Mutation(() => RecordEventsResultType, {
    description:
      'Records up to 5,000 events, all or nothing, idempotent by externalId. A bad item fails the call with ' +
      'BAD_USER_INPUT and extensions.issues naming each bad item (e.g. events[3].amount); an externalId resent with other ' +
      'content fails it with CONFLICT and extensions.issues naming each difference (e.g. events[2].amount).',
  })
  @Requires('events:write')
  async recordEvents(
    @Arg('events', () => [EventInputType]) events: EventInputType[],
    @Ctx() ctx: RequestContext,
  ): Promise<RecordEventsResult> {
    return ctx.app.events.record(callerProgram(ctx.principal), events);
  }
}
