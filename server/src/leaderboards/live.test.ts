import { LiveBoards, type BoardAsked, type BoardReader } from './live.js';

/** A board as a viewer sees it: the top names with their values, and the viewer's own value. */
interface View {
  top: string[];
  own: number | null;
  changedAt: number;
}

/** Boards kept in memory: region → partner → value. Counts its reads (one per call, whatever the boards) and lets a test await them. */
class MemoryBoards implements BoardReader<string, string, View> {
  values = new Map<string, Map<string, number>>();
  reads = 0;
  /** The regions each read asked for. */
  asked: string[][] = [];
  private waiters: (() => void)[] = [];

  async read(_programId: string, boards: readonly BoardAsked<string, string>[]): Promise<View[][]> {
    this.reads++;
    this.asked.push(boards.map((board) => board.input));
    setImmediate(() => this.waiters.splice(0).forEach((wake) => wake()));
    return boards.map(({ input: region, top, viewers }) => {
      const board = [...(this.values.get(region) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]);
      return viewers.map((viewer) => ({
        top: board.slice(0, top).map(([name, value]) => `${name} ${value}`),
        own: board.find(([name]) => name === viewer)?.[1] ?? null,
        changedAt: Date.now(),
      }));
    });
  }

  key(region: string): string {
    return region;
  }

  seen(view: View): string {
    return JSON.stringify({ top: view.top, own: view.own });
  }

  set(region: string, name: string, value: number): void {
    this.values.set(region, (this.values.get(region) ?? new Map<string, number>()).set(name, value));
  }

  /** Resolves once `count` reads in all have finished and their views were handed out. */
  async readsDone(count: number): Promise<void> {
    while (this.reads < count) await new Promise<void>((wake) => this.waiters.push(wake));
    await new Promise((wake) => setImmediate(wake));
  }
}

/** The next view, or 'nothing' when none is waiting once pending work has run. */
async function pending(stream: AsyncIterableIterator<View>): Promise<View | 'nothing'> {
  return Promise.race([stream.next().then((result) => result.value as View), new Promise<'nothing'>((wake) => setTimeout(() => wake('nothing'), 20))]);
}

const WINDOW_MS = 30;

function setUp(windowMs = WINDOW_MS) {
  const boards = new MemoryBoards();
  boards.set('north', 'Anna', 300);
  boards.set('north', 'Boris', 200);
  boards.set('south', 'Vera', 100);
  const errors: Error[] = [];
  return { boards, live: new LiveBoards<string, string, View>(boards, windowMs, (error) => errors.push(error)), errors };
}

describe('LiveBoards', () => {
  it('sends the board at once, then one push for a burst of 50 changes', async () => {
    const { boards, live } = setUp();
    const stream = live.subscribe('1', 'north', 2, 'Boris');
    expect((await stream.next()).value).toMatchObject({ top: ['Anna 300', 'Boris 200'], own: 200 });
    // 50 sales by Boris of 10 each, each its own notice: 200 + 50 × 10 = 700, now first.
    for (let sale = 1; sale <= 50; sale++) {
      boards.set('north', 'Boris', 200 + sale * 10);
      live.changed('1');
    }
    expect((await stream.next()).value).toMatchObject({ top: ['Boris 700', 'Anna 300'], own: 700 });
    // One read for the first view, one for the whole burst.
    await boards.readsDone(2);
    expect(boards.reads).toBe(2);
    expect(await pending(stream)).toBe('nothing');
    await stream.return!();
  });

  it('reads a board once for all its subscribers, and pushes only to those whose view changed', async () => {
    const { boards, live } = setUp();
    boards.set('north', 'Gleb', 50);
    const boris = live.subscribe('1', 'north', 2, 'Boris');
    const gleb = live.subscribe('1', 'north', 2, 'Gleb');
    await boris.next();
    await gleb.next();
    // Gleb, outside the top 2, sells: 50 → 60. Boris sees the same top 2 and own 200; Gleb's own entry changed.
    boards.set('north', 'Gleb', 60);
    live.changed('1');
    expect((await gleb.next()).value).toMatchObject({ top: ['Anna 300', 'Boris 200'], own: 60 });
    // One read for both first views (they joined together), one for the change.
    await boards.readsDone(2);
    expect(boards.asked).toEqual([['north'], ['north']]);
    expect(await pending(boris)).toBe('nothing');
    await boris.return!();
    await gleb.return!();
  });

  it('reads all of a program\'s boards together, and gives subscribers of two regions only their own board\'s changes', async () => {
    const { boards, live } = setUp();
    const north = live.subscribe('1', 'north', 10, 'Anna');
    const south = live.subscribe('1', 'south', 10, 'Vera');
    await north.next();
    await south.next();
    boards.set('south', 'Vera', 150);
    live.changed('1');
    expect((await south.next()).value).toMatchObject({ top: ['Vera 150'], own: 150 });
    // Both boards were read together for the first views, and again after the change; only the south one changed.
    await boards.readsDone(2);
    expect(boards.asked).toEqual([['north', 'south'], ['north', 'south']]);
    expect(await pending(north)).toBe('nothing');
    await north.return!();
    await south.return!();
  });

  it('ignores other programs and forgets a board when its last subscriber leaves', async () => {
    const { boards, live } = setUp();
    const stream = live.subscribe('1', 'north', 2, 'Anna');
    await stream.next();
    boards.set('north', 'Anna', 900);
    live.changed('2');
    expect(await pending(stream)).toBe('nothing');
    expect(live.watchedBoards()).toBe(1);
    await stream.return!();
    expect(live.watchedBoards()).toBe(0);
    live.changed('1');
    await new Promise((wake) => setTimeout(wake, WINDOW_MS * 2));
    expect(boards.reads).toBe(1);
  });

  it('pushes a board at most once per window: a change soon after a push waits for the window to pass', async () => {
    const windowMs = 400;
    const { boards, live } = setUp(windowMs);
    const stream = live.subscribe('1', 'north', 2, 'Anna');
    await stream.next();
    boards.set('north', 'Anna', 400);
    live.changed('1');
    expect((await stream.next()).value).toMatchObject({ own: 400 });
    const pushedAt = performance.now();
    // Read half a window after the change, this view is held until a window after the last push.
    boards.set('north', 'Anna', 500);
    live.changed('1');
    expect((await stream.next()).value).toMatchObject({ own: 500 });
    // Timers may fire a millisecond early by performance.now(); never a window early.
    expect(performance.now() - pushedAt).toBeGreaterThanOrEqual(windowMs - 2);
    await stream.return!();
  });

  it('reads nothing more once closed, even with a push pending', async () => {
    const { boards, live } = setUp();
    const stream = live.subscribe('1', 'north', 2, 'Anna');
    await stream.next();
    live.changed('1');
    live.close();
    await new Promise((wake) => setTimeout(wake, WINDOW_MS * 2));
    expect(boards.reads).toBe(1);
    expect(live.watchedBoards()).toBe(0);
    await stream.return!();
  });
});
