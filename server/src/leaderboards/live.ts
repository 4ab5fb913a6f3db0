import type { DatabaseNotifications } from '../db/notifications.js';
import type { Board, BoardQuery, BoardViewer, LeaderboardService } from './leaderboard.service.js';

/** The channel the boards' triggers notify at commit, with the id of the program whose boards changed. */
export const BOARD_CHANNEL = 'cofactor_board';

/** The most entries a live subscriber may ask for (`top`). */
export const MAX_LIVE_TOP = 100;

/** Reads boards for live subscribers; the leaderboard service answers it. */
export interface BoardReader<Input, Viewer, View> {
  /** One board as each viewer sees it (the top `top` and the viewer's own entry), in the viewers' order, from one read of the board. */
  read(programId: string, input: Input, top: number, viewers: readonly Viewer[]): Promise<View[]>;
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

interface Subscriber<Viewer, View> {
  viewer: Viewer;
  mailbox: Mailbox<View>;
  /** What this subscriber was last sent, as JSON: nothing is pushed until what it sees changed. */
  sent: string | null;
  /** The number of the read that produced what was sent: an older read that finishes later is dropped. */
  sentRead: number;
}

interface LiveBoard<Input, Viewer, View> {
  programId: string;
  key: string;
  input: Input;
  top: number;
  subscribers: Set<Subscriber<Viewer, View>>;
  reads: number;
  timer: NodeJS.Timeout | null;
  reading: boolean;
  /** A change arrived while the board was being read: read it again, after the next window. */
  changedMeanwhile: boolean;
}

/**
 * The boards this process's `leaderboardChanged` subscribers watch. A change of a program's
 * boards (a `cofactor_board` notice, sent at commit) opens a window of `pushMs` per watched
 * board of that program; when it closes, the board is read once for all its subscribers, and
 * each is pushed its view only if that changed. A burst of changes thus gives one push per
 * board per window, whatever the number of subscribers or events.
 */
export class LiveBoards<Input, Viewer, View> {
  private readonly boards = new Map<string, Map<string, LiveBoard<Input, Viewer, View>>>();

  constructor(
    private readonly reader: BoardReader<Input, Viewer, View>,
    private readonly pushMs: number,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Hears the boards' notices; after a lost connection, every watched board is read again, as notices may have been missed. */
  listen(notifications: DatabaseNotifications): void {
    notifications.on(BOARD_CHANNEL, (programId) => this.changed(programId));
    notifications.onReconnect(() => [...this.boards.keys()].forEach((programId) => this.changed(programId)));
  }

  /** The board now, then its changes as this viewer sees them, until the iterator is returned. */
  subscribe(programId: string, input: Input, top: number, viewer: Viewer): AsyncIterableIterator<View> {
    const board = this.board(programId, input, top);
    const subscriber: Subscriber<Viewer, View> = { viewer, mailbox: new Mailbox(() => this.leave(board, subscriber)), sent: null, sentRead: 0 };
    board.subscribers.add(subscriber);
    const read = ++board.reads;
    this.reader.read(programId, input, top, [viewer]).then(
      ([view]) => this.deliver(subscriber, view, read),
      (error: Error) => {
        this.onError(error);
        void subscriber.mailbox.return();
      },
    );
    return subscriber.mailbox;
  }

  /** The boards of a program changed: each watched one is read at the end of its window. */
  changed(programId: string): void {
    for (const board of this.boards.get(programId)?.values() ?? []) this.schedule(board);
  }

  /** Stops every pending push, as the server shuts down: nothing reads a board after the database is closed. */
  close(): void {
    for (const boards of this.boards.values()) for (const board of boards.values()) if (board.timer) clearTimeout(board.timer);
    this.boards.clear();
  }

  /** Boards watched now, for tests and metrics. */
  watchedBoards(): number {
    return [...this.boards.values()].reduce((sum, boards) => sum + boards.size, 0);
  }

  private board(programId: string, input: Input, top: number): LiveBoard<Input, Viewer, View> {
    const key = `${top}:${this.reader.key(input)}`;
    const boards = this.boards.get(programId) ?? new Map<string, LiveBoard<Input, Viewer, View>>();
    this.boards.set(programId, boards);
    const existing = boards.get(key);
    if (existing) return existing;
    const board = { programId, key, input, top, subscribers: new Set<Subscriber<Viewer, View>>(), reads: 0, timer: null, reading: false, changedMeanwhile: false };
    boards.set(key, board);
    return board;
  }

  private leave(board: LiveBoard<Input, Viewer, View>, subscriber: Subscriber<Viewer, View>): void {
    board.subscribers.delete(subscriber);
    if (board.subscribers.size > 0) return;
    if (board.timer) clearTimeout(board.timer);
    board.timer = null;
    const boards = this.boards.get(board.programId);
    boards?.delete(board.key);
    if (boards?.size === 0) this.boards.delete(board.programId);
  }

  private schedule(board: LiveBoard<Input, Viewer, View>): void {
    if (board.reading) board.changedMeanwhile = true;
    if (board.reading || board.timer || board.subscribers.size === 0) return;
    board.timer = setTimeout(() => {
      board.timer = null;
      void this.push(board);
    }, this.pushMs);
  }

  private async push(board: LiveBoard<Input, Viewer, View>): Promise<void> {
    const subscribers = [...board.subscribers];
    if (subscribers.length === 0) return;
    board.reading = true;
    board.changedMeanwhile = false;
    const read = ++board.reads;
    try {
      const views = await this.reader.read(board.programId, board.input, board.top, subscribers.map((subscriber) => subscriber.viewer));
      subscribers.forEach((subscriber, index) => this.deliver(subscriber, views[index], read));
    } catch (error) {
      this.onError(error as Error);
    } finally {
      board.reading = false;
      if (board.changedMeanwhile) this.schedule(board);
    }
  }

  private deliver(subscriber: Subscriber<Viewer, View>, view: View, read: number): void {
    if (read < subscriber.sentRead) return;
    const seen = this.reader.seen(view);
    subscriber.sentRead = read;
    if (seen === subscriber.sent) return;
    subscriber.sent = seen;
    subscriber.mailbox.put(view);
  }
}

/** A board as one live subscriber sees it. */
export interface ViewedBoard {
  board: Board;
  viewer: BoardViewer;
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
      const text = seenText.get(board) ?? JSON.stringify({ entries: board.entries, me: board.me }, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
      seenText.set(board, text);
      return text;
    },
    async read(programId, input, top, viewers) {
      const boards = await leaderboards.boards(programId, input, viewers, top);
      return viewers.map((viewer, index) => ({ viewer, board: boards[index], shared: boards[index] }));
    },
  };
}
