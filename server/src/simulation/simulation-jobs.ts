import { randomBytes, randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { CofactorConfig } from '../config.js';
import type { Sql } from '../db/sql.js';
import { logInternalError } from '../graphql/error-policy.js';
import { errors, type InputIssue } from '../graphql/errors.js';
import type { ReplayProgress } from './replay.js';
import type { SimulationInput, SimulationResult, SimulationService } from './simulation.service.js';

export const SIMULATION_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type SimulationStatus = (typeof SIMULATION_STATUSES)[number];

/** Why a run that its process no longer holds failed: stopped with the server, or left by a process that was killed. */
export const SERVER_STOPPED = 'the server stopped';
/** How often a process that holds runs says so, and how long a silence means its process is gone. */
export const HEARTBEAT_SECONDS = 5;
export const STALE_SECONDS = 60;
/** Progress reaches the row at most this often (and at the end). */
const PROGRESS_EVERY_MS = 1000;
/** A replay lets the process answer other requests at least this often. */
const YIELD_EVERY_MS = 20;

/** What the API returns of a simulation, kept in the row: every entry is left out. */
export type SimulationSummary = Omit<SimulationResult, 'entries'>;

/** A value as it comes back from jsonb: amounts as digit strings, times as ISO strings (the API's scalars take both). */
export type Stored<T> = T extends bigint | Date ? string : T extends (infer U)[] ? Stored<U>[] : T extends object ? { [K in keyof T]: Stored<T[K]> } : T;

export interface SimulationRun {
  id: string;
  programId: string;
  /** The API key that started it. */
  startedBy: string;
  input: Stored<SimulationInput>;
  status: SimulationStatus;
  eventsDone: number;
  /** Null until the run has loaded its events. */
  eventsTotal: number | null;
  result: Stored<SimulationSummary> | null;
  /** For FAILED: the input's issues, "the server stopped", or an internal error's id. */
  failure: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

interface QueuedRun {
  id: string;
  programId: string;
  input: SimulationInput;
}

const COLUMNS = `id::text, program_id::text as "programId", started_by::text as "startedBy", input, status, events_done as "eventsDone",
  events_total as "eventsTotal", result, failure, created_at as "createdAt", started_at as "startedAt", finished_at as "finishedAt"`;
const UNFINISHED = `status in ('QUEUED', 'RUNNING')`;

const toJson = (value: unknown) => JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));

/**
 * Long simulations as jobs: a row per run in `simulation_run`, run in the process that started
 * it, at most `simulationConcurrency` at once, the rest QUEUED in order. A run writes its
 * progress to its row at most once a second; that same write finds out whether the row was
 * cancelled or deleted meanwhile (through any process), and then the run stops between two
 * batches. Results stay until deleted, at most `simulationKept` runs per program.
 *
 * Runs whose process is gone: each process has an `owner` token and beats its rows every
 * HEARTBEAT_SECONDS while it holds any; on stopping it marks its own runs FAILED "the server
 * stopped". A killed process cannot, so rows of another owner whose heartbeat is older than
 * STALE_SECONDS are marked so by any process — at its start, when a run is started, and on each
 * beat. A live process beats far more often than that, so its rows are never taken for dead.
 */
export class SimulationJobs {
  private readonly owner = randomUUID();
  private readonly queue: QueuedRun[] = [];
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** Whether this process ever queued a run: a process that did not (a CLI command) has nothing to mark when it stops. */
  private used = false;

  constructor(
    private readonly sql: Sql,
    private readonly simulation: SimulationService,
    private readonly config: CofactorConfig,
  ) {}

  /** Checks the input as simulateCampaign does (nothing is stored if it is refused), stores the run QUEUED and starts it when a place is free. */
  async start(programId: string, apiKeyId: string, input: SimulationInput): Promise<SimulationRun> {
    if (this.stopping) throw errors.conflict('the server is stopping: start the simulation again once it is back');
    await this.simulation.check(programId, input);
    await this.recover();
    const run = await this.sql.transaction(async (client) => {
      // One start at a time per program, so two cannot both take the last kept place. Not FOR UPDATE: rows referring to the program go on.
      await client.query('select 1 from program where id = $1 for no key update', [programId]);
      const [{ kept }] = (await client.query<{ kept: number }>('select count(*)::int as kept from simulation_run where program_id = $1', [programId])).rows;
      if (kept >= this.config.simulationKept) {
        throw errors.conflict(`this program keeps at most ${this.config.simulationKept} simulation runs (COFACTOR_SIMULATION_KEPT): delete old ones with deleteSimulation first`);
      }
      const inserted = await client.query<SimulationRun>(`insert into simulation_run (program_id, started_by, input, owner) values ($1, $2, $3, $4) returning ${COLUMNS}`, [
        programId,
        apiKeyId,
        toJson(input),
        this.owner,
      ]);
      return inserted.rows[0];
    });
    this.used = true;
    this.queue.push({ id: run.id, programId, input });
    this.beatWhileHolding();
    this.next();
    return run;
  }

  async get(programId: string, id: string): Promise<SimulationRun> {
    const [run] = await this.sql.query<SimulationRun>(`select ${COLUMNS} from simulation_run where id = $1 and program_id = $2`, [id, programId]);
    if (!run) throw errors.notFound('simulation', id);
    return run;
  }

  /** Newest first, `limit` rows with ids below `before`. */
  list(programId: string, before: string | null, limit: number): Promise<SimulationRun[]> {
    return this.sql.query<SimulationRun>(
      `select ${COLUMNS} from simulation_run where program_id = $1 and ($2::bigint is null or id < $2::bigint) order by id desc limit $3`,
      [programId, before, limit],
    );
  }

  /** QUEUED or RUNNING → CANCELLED; a finished run is a CONFLICT. A run in another process stops at its next progress write. */
  async cancel(programId: string, id: string): Promise<SimulationRun> {
    const [run] = await this.sql.query<SimulationRun>(
      `update simulation_run set status = 'CANCELLED', finished_at = now() where id = $1 and program_id = $2 and ${UNFINISHED} returning ${COLUMNS}`,
      [id, programId],
    );
    if (!run) throw errors.conflict(`simulation ${id} is ${(await this.get(programId, id)).status} already: only a QUEUED or RUNNING one can be cancelled`, 'id');
    this.stopLocal(id);
    return run;
  }

  /** Deletes a run and its result; a QUEUED or RUNNING one is cancelled first. Returns it as it was. */
  async delete(programId: string, id: string): Promise<SimulationRun> {
    const [run] = await this.sql.query<SimulationRun>(`delete from simulation_run where id = $1 and program_id = $2 returning ${COLUMNS}`, [id, programId]);
    if (!run) throw errors.notFound('simulation', id);
    this.stopLocal(id);
    return run.status === 'QUEUED' || run.status === 'RUNNING' ? { ...run, status: 'CANCELLED' } : run;
  }

  /** Marks the runs of processes gone silent FAILED "the server stopped". */
  async recover(): Promise<void> {
    await this.sql.query(
      `update simulation_run set status = 'FAILED', failure = $2, finished_at = now()
        where ${UNFINISHED} and owner <> $1 and heartbeat_at < now() - make_interval(secs => $3)`,
      [this.owner, SERVER_STOPPED, STALE_SECONDS],
    );
  }

  /** On shutdown: stops this process's runs and marks them, and those still queued, FAILED "the server stopped". */
  async close(): Promise<void> {
    this.stopping = true;
    this.queue.length = 0;
    for (const { controller } of this.running.values()) controller.abort();
    await Promise.all([...this.running.values()].map((run) => run.done));
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.used) return;
    await this.sql.query(`update simulation_run set status = 'FAILED', failure = $2, finished_at = now() where owner = $1 and ${UNFINISHED}`, [this.owner, SERVER_STOPPED]);
  }

  private stopLocal(id: string): void {
    const queued = this.queue.findIndex((run) => run.id === id);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.running.get(id)?.controller.abort();
  }

  /** Starts queued runs, oldest first, while places are free. */
  private next(): void {
    while (!this.stopping && this.running.size < this.config.simulationConcurrency && this.queue.length > 0) {
      const run = this.queue.shift()!;
      const controller = new AbortController();
      const done = this.execute(run, controller)
        .catch((error: unknown) => logInternalError(randomBytes(8).toString('hex'), error))
        .finally(() => {
          this.running.delete(run.id);
          this.next();
        });
      this.running.set(run.id, { controller, done });
    }
  }

  private async execute(run: QueuedRun, controller: AbortController): Promise<void> {
    const claimed = await this.sql.query(`update simulation_run set status = 'RUNNING', started_at = now(), heartbeat_at = now() where id = $1 and status = 'QUEUED' returning id`, [
      run.id,
    ]);
    if (claimed.length === 0) return; // cancelled or deleted while it waited
    let result: SimulationResult;
    try {
      result = await this.simulation.simulate(run.programId, run.input, { signal: controller.signal, onProgress: this.progressWriter(run.id, controller) });
    } catch (error) {
      // Cancelled or deleted: the row says so already; stopping: close() marks it.
      if (controller.signal.aborted) return;
      await this.finish(run.id, `status = 'FAILED', failure = $2`, [failureOf(error)]);
      return;
    }
    const { entries: _entries, ...summary } = result;
    await this.finish(run.id, `status = 'SUCCEEDED', result = $2, events_done = $3, events_total = $3`, [toJson(summary), result.eventsReplayed]);
  }

  private async finish(id: string, set: string, params: unknown[]): Promise<void> {
    await this.sql.query(`update simulation_run set ${set}, finished_at = now() where id = $1 and status = 'RUNNING'`, [id, ...params]);
  }

  /**
   * Called after every replayed batch: gives the event loop a turn every YIELD_EVERY_MS (the
   * replay itself never waits on I/O), and at most once a second writes the progress, which
   * also tells whether the run is still RUNNING; if not, it aborts.
   */
  private progressWriter(id: string, controller: AbortController): (progress: ReplayProgress) => Promise<void> {
    let yielded = Date.now();
    let written = 0;
    return async ({ eventsReplayed, eventsTotal }) => {
      if (Date.now() - yielded >= YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        yielded = Date.now();
      }
      if (Date.now() - written < PROGRESS_EVERY_MS) return;
      written = Date.now();
      const still = await this.sql.query(
        `update simulation_run set events_done = $2, events_total = $3, heartbeat_at = now() where id = $1 and status = 'RUNNING' returning id`,
        [id, eventsReplayed, eventsTotal],
      );
      if (still.length === 0) controller.abort();
    };
  }

  /** Beats this process's rows every HEARTBEAT_SECONDS while it holds any, and marks silent processes' rows; idle, it sends nothing. */
  private beatWhileHolding(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.queue.length === 0 && this.running.size === 0) {
        clearInterval(this.timer!);
        this.timer = null;
        return;
      }
      this.sql
        .query(`update simulation_run set heartbeat_at = now() where owner = $1 and ${UNFINISHED}`, [this.owner])
        .then(() => this.recover())
        .catch((error: unknown) => logInternalError(randomBytes(8).toString('hex'), error));
    }, HEARTBEAT_SECONDS * 1000);
    this.timer.unref();
  }
}

/** What a FAILED run says: the issues of a BAD_USER_INPUT, the message of another error a client may see, else an internal error's id (its detail is in the log). */
function failureOf(error: unknown): string {
  if (error instanceof GraphQLError) {
    const issues = error.extensions.issues as InputIssue[] | undefined;
    if (error.extensions.code === 'BAD_USER_INPUT' && issues?.length) return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    if (['BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT'].includes(error.extensions.code as string)) return error.message;
  }
  const errorId = randomBytes(8).toString('hex');
  logInternalError(errorId, error);
  return `internal error (id ${errorId})`;
}
