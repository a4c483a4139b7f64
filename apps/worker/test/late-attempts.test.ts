import { describe, expect, it } from 'vitest';
import { LateAttempts } from '../src/callbacks/late-attempts';

// The bounds on callback attempts waited for outside their jobs: in all and per endpoint, and
// each adopted batch given back when it ends, whether its recording succeeded or not.
describe('LateAttempts', () => {
  const later = () => {
    let end!: (ok: boolean) => void;
    const finished = new Promise<void>((resolve, reject) => (end = (ok) => (ok ? resolve() : reject(new Error('x')))));
    return { finish: () => finished, end };
  };

  it('adopts within both bounds, refuses a batch that would pass either, and gives each back when it ends', async () => {
    const late = new LateAttempts(5, 3);
    const a = later();
    const b = later();
    expect(late.adopt(['e1', 'e1', 'e2'], a.finish)).toBe(true);
    expect(late.adopt(['e1', 'e1'], b.finish)).toBe(false); // e1 would have 4, over 3 per endpoint
    expect(late.adopt(['e3', 'e3', 'e3'], b.finish)).toBe(false); // 6 in all, over 5
    expect(late.adopt(['e3', 'e1'], b.finish)).toBe(true);
    expect(late.size).toBe(5);

    const drained = late.drain();
    a.end(false); // a failed recording still gives its attempts back
    await new Promise((resolve) => setImmediate(resolve));
    expect(late.size).toBe(2);
    expect(late.adopt(['e1', 'e1', 'e1'], later().finish)).toBe(false); // e1 has 1 of b's: 4 would pass 3
    b.end(true);
    await drained;
    expect(late.size).toBe(0);
    expect(late.adopt(['e1', 'e1', 'e1'], async () => undefined)).toBe(true);
    await late.drain();
    expect(late.size).toBe(0);
  });
});
