import type { EventInput, RecordEventsResult } from '../rewarding/event.js';
import type { Rewarding } from '../rewarding/rewarding.js';

/** Ingestion as callers see it (`recordEvents`): a batch goes through the rewarding pipeline as one unit of work. */
export class EventService {
  constructor(private readonly rewarding: Rewarding) {}

  record(programId: string, inputs: EventInput[]): Promise<RecordEventsResult> {
    return this.rewarding.recordEvents(programId, inputs);
  }
}
