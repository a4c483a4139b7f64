interface Job {
  due: number;
  seq: number;
  run: () => void;
}

/**
 * One timer for everything the simulator does later (statuses, retries, template reviews):
 * a binary heap ordered by due time, then by insertion, so equal delays keep their order and
 * thousands of pending statuses cost one armed setTimeout.
 */
export class Scheduler {
  private heap: Job[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private stopped = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  get size(): number {
    return this.heap.length;
  }

  /** Runs `run` after `delayMs` (0 = on the next timer turn). */
  after(delayMs: number, run: () => void): void {
    if (this.stopped) return;
    this.push({ due: Date.now() + Math.max(0, delayMs), seq: this.seq++, run });
    this.arm();
  }

  clear(): void {
    this.heap = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private arm(): void {
    const next = this.heap[0];
    if (!next || next.due >= this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = next.due;
    this.timer = setTimeout(() => this.fire(), Math.max(0, next.due - Date.now()));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = Date.now();
    while (this.heap.length > 0 && (this.heap[0] as Job).due <= now) {
      const job = this.pop();
      try {
        job.run();
      } catch (error) {
        this.onError(error);
      }
    }
    this.arm();
  }

  private push(job: Job): void {
    const heap = this.heap;
    heap.push(job);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(job, heap[parent] as Job)) break;
      heap[i] = heap[parent] as Job;
      i = parent;
    }
    heap[i] = job;
  }

  private pop(): Job {
    const heap = this.heap;
    const top = heap[0] as Job;
    const last = heap.pop() as Job;
    if (heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as Job, heap[left] as Job) ? right : left;
      if (!before(heap[child] as Job, last)) break;
      heap[i] = heap[child] as Job;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: Job, b: Job): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
