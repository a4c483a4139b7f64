import { randomInt } from 'node:crypto';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789ABCDEF';

/**
 * Seeded generator (mulberry32) for every random choice the simulator makes, so a run can be
 * replayed from its seed. Not for anything secret.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number = randomInt(0, 2 ** 31)) {
    this.state = seed >>> 0;
  }

  reseed(seed: number): void {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(probability: number): boolean {
    return probability >= 1 || (probability > 0 && this.next() < probability);
  }

  chars(length: number, alphabet: string = BASE62): string {
    let out = '';
    for (let i = 0; i < length; i += 1) out += alphabet[this.int(alphabet.length)];
    return out;
  }
}

/** Ids shaped like Meta's, unique within one simulator (a counter is mixed in). */
export class IdFactory {
  private counter = 0;
  private numeric: number;

  constructor(private readonly random: SeededRandom) {
    this.numeric = 100_000_000_000_000 + random.int(800_000_000_000_000);
  }

  /** Starts over, drawing from the generator exactly as construction did (for replay after reseed). */
  reset(): void {
    this.counter = 0;
    this.numeric = 100_000_000_000_000 + this.random.int(800_000_000_000_000);
  }

  /** wamid.<base64 of Meta's framing around the recipient and a 20-hex-digit id>, like real wamids. */
  wamid(waId: string): string {
    this.counter += 1;
    const unique = this.counter.toString(16).toUpperCase().padStart(8, '0') + this.random.chars(12, HEX);
    const recipient = Buffer.from(waId, 'latin1');
    const frame = Buffer.concat([
      Buffer.from([0x1c, 0x18, recipient.length]),
      recipient,
      Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, 0x14]),
      Buffer.from(unique, 'latin1'),
      Buffer.from([0x00]),
    ]);
    return `wamid.${frame.toString('base64')}`;
  }

  /** Graph object ids: numeric strings below 2^53 so they survive JSON numbers. */
  objectId(): string {
    this.numeric += 1 + this.random.int(1_000);
    return String(this.numeric);
  }

  fbtraceId(): string {
    return this.random.chars(23, `${BASE62}_-`);
  }

  /** Short ids for control-API objects (faults, rules, recorded entries). */
  local(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter.toString(36)}`;
  }
}
