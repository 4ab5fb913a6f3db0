import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { actingKey, callerProgram } from '../auth/access.js';
import { Requires } from '../auth/requires.js';
import { decodeCursor, pageSize, toConnection, type ConnectionShape } from '../graphql/connection.js';
import type { RequestContext } from '../graphql/context.js';
import { requireId } from '../graphql/ids.js';
import { DateTimeScalar } from '../graphql/scalars.js';
import type { SimulationRun } from './simulation-jobs.js';
import { SimulationJobConnection, SimulationJobType, SimulationProgressType } from './simulation-jobs.types.js';
import { SimulationInputType, SimulationType } from './simulation.types.js';

/** Simulations as jobs, for the program's admins (API key with admin): started, watched, cancelled and deleted here, run by `app.simulationJobs`. */
@Resolver(() => SimulationJobType)
export class SimulationJobResolver {
  @Mutation(() => SimulationJobType, {
    description:
      'Starts simulateCampaign as a job and returns it QUEUED: the input is checked now (BAD_USER_INPUT with its path, nothing stored), the run ' +
      'happens in the background, and simulation(id) shows its progress and result. At most COFACTOR_SIMULATION_KEPT runs are kept per program. Needs admin.',
  })
  @Requires('admin')
  startSimulation(@Arg('input', () => SimulationInputType) input: SimulationInputType, @Ctx() ctx: RequestContext): Promise<SimulationRun> {
    return ctx.app.simulationJobs.start(callerProgram(ctx.principal), actingKey(ctx.principal), {
      ...input,
      campaignId: input.campaignId ? requireId(input.campaignId, 'input.campaignId') : null,
      compareWith: input.compareWith ? requireId(input.compareWith, 'input.compareWith') : null,
    });
  }

  @Query(() => SimulationJobType, { description: 'One simulation run of the program. Needs admin.' })
  @Requires('admin')
  simulation(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<SimulationRun> {
    return ctx.app.simulationJobs.get(callerProgram(ctx.principal), requireId(id, 'id'));
  }

  @Query(() => SimulationJobConnection, { description: "The program's simulation runs, newest first. Needs admin." })
  @Requires('admin')
  async simulations(
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<ConnectionShape<SimulationRun>> {
    const size = pageSize(first);
    return toConnection(await ctx.app.simulationJobs.list(callerProgram(ctx.principal), decodeCursor(after), size + 1), size);
  }

  @Mutation(() => SimulationJobType, { description: 'QUEUED or RUNNING → CANCELLED: the run stops after its current batch, keeping no result. A finished run is a CONFLICT. Needs admin.' })
  @Requires('admin')
  cancelSimulation(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<SimulationRun> {
    return ctx.app.simulationJobs.cancel(callerProgram(ctx.principal), requireId(id, 'id'));
  }

  @Mutation(() => SimulationJobType, { description: 'Deletes a run and its result, cancelling it first if it is QUEUED or RUNNING; returns it as it was last. Needs admin.' })
  @Requires('admin')
  deleteSimulation(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<SimulationRun> {
    return ctx.app.simulationJobs.delete(callerProgram(ctx.principal), requireId(id, 'id'));
  }

  @FieldResolver(() => ID, { nullable: true, description: 'The stored campaign it started from (input.campaignId).' })
  campaignId(@Root() run: SimulationRun): string | null {
    return run.input.campaignId ?? null;
  }

  @FieldResolver(() => ID, { nullable: true, description: 'The campaign it is compared with (input.compareWith).' })
  compareWith(@Root() run: SimulationRun): string | null {
    return run.input.compareWith ?? null;
  }

  @FieldResolver(() => DateTimeScalar, { description: 'The span replayed, from (inclusive)…' })
  from(@Root() run: SimulationRun): string {
    return run.input.from;
  }

  @FieldResolver(() => DateTimeScalar, { description: '…to (exclusive).' })
  to(@Root() run: SimulationRun): string {
    return run.input.to;
  }

  @FieldResolver(() => SimulationProgressType)
  progress(@Root() run: SimulationRun): SimulationProgressType {
    return { eventsDone: run.eventsDone, eventsTotal: run.eventsTotal };
  }

  @FieldResolver(() => SimulationType, { nullable: true, description: 'What simulateCampaign would return for the same input; only once SUCCEEDED.' })
  result(@Root() run: SimulationRun): SimulationRun['result'] {
    return run.status === 'SUCCEEDED' ? run.result : null;
  }
}
