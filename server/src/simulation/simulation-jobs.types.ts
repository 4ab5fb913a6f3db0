import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Connection } from '../graphql/connection.js';
import { DateTimeScalar } from '../graphql/scalars.js';

@ObjectType('SimulationProgress', { description: 'How far a run got: stored events replayed of those its span holds.' })
export class SimulationProgressType {
  @Field(() => Int)
  eventsDone!: number;

  @Field(() => Int, { nullable: true, description: 'Null until the run has loaded its events.' })
  eventsTotal!: number | null;
}

@ObjectType('SimulationJob', {
  description:
    'A simulation run as a job (startSimulation): QUEUED, RUNNING, then SUCCEEDED with its result, FAILED with the reason, or CANCELLED. ' +
    'Kept, result and all, until deleted.',
})
export class SimulationJobType {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED.' })
  status!: string;

  @Field(() => ID, { description: 'The API key that started it.' })
  startedBy!: string;

  @Field(() => String, { nullable: true, description: 'For FAILED: the input it was refused for (each issue as "path: message"), "the server stopped", or an internal error\'s id.' })
  failure!: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  startedAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  finishedAt!: Date | null;
}

export const SimulationJobConnection = Connection(SimulationJobType, 'SimulationJob');
