/** A bounded list that forgets its oldest entries: read-back for tests without unbounded memory. */
export class RingLog<T> {
  private items: (T | undefined)[];
  private start = 0;
  private length = 0;

  constructor(private capacity: number) {
    this.items = new Array<T | undefined>(Math.max(0, capacity));
  }

  get size(): number {
    return this.length;
  }

  push(item: T): void {
    if (this.capacity === 0) return;
    if (this.length < this.capacity) {
      this.items[(this.start + this.length) % this.capacity] = item;
      this.length += 1;
      return;
    }
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.length; i += 1) out.push(this.items[(this.start + i) % this.capacity] as T);
    return out;
  }

  clear(): void {
    this.items = new Array<T | undefined>(this.capacity);
    this.start = 0;
    this.length = 0;
  }
}
