import type { DatabaseNotifications } from '../db/notifications.js';
import type { BoardQuery } from './board-query.js';
import type { Board, BoardEntry, BoardViewer, LeaderboardService } from './leaderboard.service.js';

/** The channel the boards' triggers notify at commit, with the id of the program whose boards changed. */
export const BOARD_CHANNEL = 'cofactor_board';

/** The most entries a live subscriber may ask for (`top`). */
export const MAX_LIVE_TOP = 100;

/** One board as some viewers see it. */
export interface BoardAsked<Input, Viewer> {
  input: Input;
  top: number;
  viewers: readonly Viewer[];
}

/** Reads boards for live subscribers; the leaderboard service answers it. */
export interface BoardReader<Input, Viewer, View> {
  /** Boards of a program, each as each of its viewers sees it (the top `top` and the viewer's own entry), in the order asked, from one read. */
  read(programId: string, boards: readonly BoardAsked<Input, Viewer>[]): Promise<View[][]>;
  /** Equal for two inputs that name the same board. */
  key(input: Input): string;
  /** What a subscriber sees of a view (its entries and own entry, not e.g. when the board changed), as text: a push is sent only when this changed. */
  seen(view: View): string;
}

/**
 * The latest view of a board not yet taken by its subscriber. Only the newest board matters,
 * so a subscriber slower than the pushes gets the newest one, and memory stays one view each.
 */
class Mailbox<View> implements AsyncIterableIterator<View> {
  private pending: { view: View } | null = null;
  private waiting: ((result: IteratorResult<View>) => void) | null = null;
  private done = false;

  constructor(private readonly onClose: () => void) {}

  put(view: View): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: view, done: false });
    } else this.pending = { view };
  }

  next(): Promise<IteratorResult<View>> {
    if (this.pending) {
      const { view } = this.pending;
      this.pending = null;
      return Promise.resolve({ value: view, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<View>> {
    if (!this.done) {
      this.done = true;
      this.pending = null;
      this.waiting?.({ value: undefined, done: true });
      this.waiting = null;
      this.onClose();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<View> {
    return this;
  }
}

interface Subscriber<Input, Viewer, View> {
  board: LiveBoard<Input, Viewer, View>;
  viewer: Viewer;
  mailbox: Mailbox<View>;
  /** What this subscriber was last sent, as its seen text: nothing is pushed until what it sees changed. */
  sent: string | null;
  /** The number of the read that produced what was sent: an older read that finishes later is dropped. */
  sentRead: number;
}

interface LiveBoard<Input, Viewer, View> {
  key: string;
  input: Input;
  top: number;
  subscribers: Set<Subscriber<Input, Viewer, View>>;
  /** When its subscribers were last pushed a change (performance.now()). */
  pushedAt: number;
  /** A read's views that came within `pushMs` of the last push: pushed when that time is up, unless a newer read replaces them. */
  held: Delivery<Input, Viewer, View> | null;
  heldTimer: NodeJS.Timeout | null;
}

interface Delivery<Input, Viewer, View> {
  subscribers: Subscriber<Input, Viewer, View>[];
  views: View[];
  read: number;
}

/** A program's watched boards, read together. */
interface ProgramBoards<Input, Viewer, View> {
  programId: string;
  boards: Map<string, LiveBoard<Input, Viewer, View>>;
  /** Reads so far: a read's number orders its views against another's. */
  reads: number;
  timer: NodeJS.Timeout | null;
  reading: boolean;
  /** A change arrived while the boards were being read: read them again. */
  changedMeanwhile: boolean;
  /** New subscribers waiting for their first view, read together at the next turn of the event loop. */
  joining: Subscriber<Input, Viewer, View>[];
}

/**
 * The boards this process's `leaderboardChanged` subscribers watch. A change of a program's
 * boards (a `cofactor_board` notice, sent at commit) is gathered for half of `pushMs`; then
 * every watched board of the program is read at once (boards of one range share one
 * statement), and each subscriber is pushed its view only if that changed. A board is pushed
 * at most once per `pushMs`: a change that comes sooner waits for that time, and only the
 * newest view is sent. So a burst gives one push, a change on a quiet board arrives within
 * half a window, and the cost of a read does not grow with the subscribers or the events.
 */
export class LiveBoards<Input, Viewer, View> {
  private readonly programs = new Map<string, ProgramBoards<Input, Viewer, View>>();
  private closed = false;

  constructor(
    private readonly reader: BoardReader<Input, Viewer, View>,
    private readonly pushMs: number,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Hears the boards' notices; after a lost connection, every watched board is read again, as notices may have been missed. */
  listen(notifications: DatabaseNotifications): void {
    notifications.on(BOARD_CHANNEL, (programId) => this.changed(programId));
    notifications.onReconnect(() => [...this.programs.keys()].forEach((programId) => this.changed(programId)));
  }

  /** The board now, then its changes as this viewer sees them, until the iterator is returned. */
  subscribe(programId: string, input: Input, top: number, viewer: Viewer): AsyncIterableIterator<View> {
    const program = this.program(programId);
    const board = this.board(program, input, top);
    const subscriber: Subscriber<Input, Viewer, View> = { board, viewer, mailbox: new Mailbox(() => this.leave(program, subscriber)), sent: null, sentRead: 0 };
    board.subscribers.add(subscriber);
    if (program.joining.push(subscriber) === 1) setImmediate(() => void this.readJoining(program));
    return subscriber.mailbox;
  }

  /** The boards of a program changed: they are read once the change was gathered. */
  changed(programId: string): void {
    const program = this.programs.get(programId);
    if (program) this.schedule(program);
  }

  /** Stops every pending push, as the server shuts down: nothing reads a board after the database is closed. */
  close(): void {
    this.closed = true;
    for (const program of this.programs.values()) {
      if (program.timer) clearTimeout(program.timer);
      for (const board of program.boards.values()) if (board.heldTimer) clearTimeout(board.heldTimer);
    }
    this.programs.clear();
  }

  /** Boards watched now, for tests and metrics. */
  watchedBoards(): number {
    return [...this.programs.values()].reduce((sum, program) => sum + program.boards.size, 0);
  }

  private program(programId: string): ProgramBoards<Input, Viewer, View> {
    const found = this.programs.get(programId) ?? { programId, boards: new Map(), reads: 0, timer: null, reading: false, changedMeanwhile: false, joining: [] };
    this.programs.set(programId, found);
    return found;
  }

  private board(program: ProgramBoards<Input, Viewer, View>, input: Input, top: number): LiveBoard<Input, Viewer, View> {
    const key = `${top}:${this.reader.key(input)}`;
    const found = program.boards.get(key) ?? { key, input, top, subscribers: new Set(), pushedAt: -Infinity, held: null, heldTimer: null };
    program.boards.set(key, found);
    return found;
  }

  private leave(program: ProgramBoards<Input, Viewer, View>, subscriber: Subscriber<Input, Viewer, View>): void {
    const { board } = subscriber;
    board.subscribers.delete(subscriber);
    if (board.subscribers.size > 0) return;
    if (board.heldTimer) clearTimeout(board.heldTimer);
    program.boards.delete(board.key);
    if (program.boards.size > 0) return;
    if (program.timer) clearTimeout(program.timer);
    program.timer = null;
    this.programs.delete(program.programId);
  }

  /** The first views of the subscribers who joined since the last turn of the event loop. */
  private async readJoining(program: ProgramBoards<Input, Viewer, View>): Promise<void> {
    const joining = program.joining.splice(0).filter((subscriber) => subscriber.board.subscribers.has(subscriber));
    if (this.closed || joining.length === 0) return;
    const byBoard = new Map<LiveBoard<Input, Viewer, View>, Subscriber<Input, Viewer, View>[]>();
    for (const subscriber of joining) byBoard.set(subscriber.board, [...(byBoard.get(subscriber.board) ?? []), subscriber]);
    const read = ++program.reads;
    const asked = [...byBoard].map(([board, subscribers]) => ({ input: board.input, top: board.top, viewers: subscribers.map((subscriber) => subscriber.viewer) }));
    try {
      const views = await this.reader.read(program.programId, asked);
      [...byBoard.values()].forEach((subscribers, at) => subscribers.forEach((subscriber, i) => this.deliver(subscriber, views[at][i], read)));
    } catch (error) {
      this.onError(error as Error);
      joining.forEach((subscriber) => void subscriber.mailbox.return());
    }
  }

  private schedule(program: ProgramBoards<Input, Viewer, View>): void {
    if (program.reading) program.changedMeanwhile = true;
    if (program.reading || program.timer || this.closed) return;
    program.timer = setTimeout(() => {
      program.timer = null;
      void this.readAll(program);
    }, Math.ceil(this.pushMs / 2));
  }

  private async readAll(program: ProgramBoards<Input, Viewer, View>): Promise<void> {
    const boards = [...program.boards.values()];
    if (boards.length === 0 || this.closed) return;
    program.reading = true;
    program.changedMeanwhile = false;
    const read = ++program.reads;
    const subscribers = boards.map((board) => [...board.subscribers]);
    try {
      const asked = boards.map((board, at) => ({ input: board.input, top: board.top, viewers: subscribers[at].map((subscriber) => subscriber.viewer) }));
      const views = await this.reader.read(program.programId, asked);
      boards.forEach((board, at) => this.offer(board, { subscribers: subscribers[at], views: views[at], read }));
    } catch (error) {
      this.onError(error as Error);
    } finally {
      program.reading = false;
      if (program.changedMeanwhile) this.schedule(program);
    }
  }

  /** Pushes a read's views now, or holds them until `pushMs` after the board's last push. */
  private offer(board: LiveBoard<Input, Viewer, View>, delivery: Delivery<Input, Viewer, View>): void {
    const wait = board.pushedAt + this.pushMs - performance.now();
    if (wait <= 0) {
      board.held = null;
      return this.deliverAll(board, delivery);
    }
    board.held = delivery;
    board.heldTimer ??= setTimeout(() => {
      board.heldTimer = null;
      const held = board.held;
      board.held = null;
      if (held && !this.closed) this.deliverAll(board, held);
    }, wait);
  }

  private deliverAll(board: LiveBoard<Input, Viewer, View>, { subscribers, views, read }: Delivery<Input, Viewer, View>): void {
    let pushed = false;
    subscribers.forEach((subscriber, at) => (pushed = this.deliver(subscriber, views[at], read) || pushed));
    if (pushed) board.pushedAt = performance.now();
  }

  /** Puts the view in the subscriber's mailbox unless a newer read's was given, or it shows nothing new; whether it did. */
  private deliver(subscriber: Subscriber<Input, Viewer, View>, view: View, read: number): boolean {
    if (read < subscriber.sentRead) return false;
    const seen = this.reader.seen(view);
    subscriber.sentRead = read;
    if (seen === subscriber.sent) return false;
    subscriber.sent = seen;
    subscriber.mailbox.put(view);
    return true;
  }
}

/** A board as one live subscriber sees it. */
export interface ViewedBoard {
  /** The board as this subscriber may see it (what others' entries show is settled in it). */
  board: Board;
  /** The board again: subscribers given the same board object see the same push, executed once (`SharedPayload`). */
  shared: Board;
}

/**
 * Reads a board for its live subscribers: once for all of them, each partner with its own
 * entry. Subscribers who see the same share one board object, whose text is made once.
 */
export function leaderboardReader(leaderboards: LeaderboardService): BoardReader<BoardQuery, BoardViewer, ViewedBoard> {
  const seenText = new WeakMap<Board, string>();
  return {
    key: (input) =>
      JSON.stringify([input.metric, input.unit ?? null, input.period, input.campaignId ?? null, input.date ?? null, input.regionCode ?? null, input.partnerKind ?? null, input.segment ?? null, input.level ?? null]),
    seen: ({ board }) => {
      const text = seenText.get(board) ?? [...board.entries, board.me].map(seenOf).join('\n');
      seenText.set(board, text);
      return text;
    },
    async read(programId, asked) {
      const boards = await leaderboards.boards(programId, asked.map(({ input, top, viewers }) => ({ input, viewers, first: top })));
      return boards.map((forViewers) => forViewers.map((board) => ({ board, shared: board })));
    },
  };
}

/** What a subscriber sees of an entry, as text: the fields it was given, not those hidden from it. */
function seenOf(entry: BoardEntry | null): string {
  if (!entry) return '-';
  return `${entry.position} ${entry.rank} ${entry.partnerId} ${entry.value ?? '-'} ${entry.previousRank ?? '-'} ${entry.name === null ? '-' : JSON.stringify(entry.name)}`;
}
