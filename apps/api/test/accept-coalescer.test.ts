import { describe, expect, it } from 'vitest';
import type { MessageToAccept } from '@dak/db';
import { AcceptCoalescer } from '../src/resources/messages/accept-coalescer';

// The grouping rules, driven step by step: a commit function that records what it was given
// and answers when the test says so.
const row = (id: string) => ({ id }) as MessageToAccept;

function harness(maxRows?: number) {
  const calls: string[][] = [];
  const gates: (() => void)[] = [];
  const commit = async (_account: string, rows: MessageToAccept[]) => {
    calls.push(rows.map((r) => r.id));
    await new Promise<void>((resolve) => gates.push(resolve));
    if (rows.some((r) => r.id.startsWith('bad'))) throw new Error(`refused ${rows.map((r) => r.id).join(',')}`);
  };
  const coalescer = new AcceptCoalescer(commit, maxRows);
  const openNext = async () => {
    for (let i = 0; i < 20 && gates.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    gates.shift()!();
  };
  return { coalescer, calls, openNext };
}

describe('AcceptCoalescer', () => {
  it("sends an idle account's first request at once, and everything that arrived meanwhile in one statement", async () => {
    const h = harness();
    const first = h.coalescer.accept('acc', [row('a')]);
    const rest = ['b', 'c', 'd'].map((id) => h.coalescer.accept('acc', [row(id)]));
    expect(h.calls).toEqual([['a']]);
    await h.openNext();
    await first;
    await h.openNext();
    await Promise.all(rest);
    expect(h.calls).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('keeps accounts apart', async () => {
    const h = harness();
    const answers = [h.coalescer.accept('one', [row('a')]), h.coalescer.accept('two', [row('b')])];
    expect(h.calls).toEqual([['a'], ['b']]);
    await h.openNext();
    await h.openNext();
    await Promise.all(answers);
  });

  it('when the shared statement fails, each request is tried alone and only the refused one fails', async () => {
    const h = harness();
    const first = h.coalescer.accept('acc', [row('a')]);
    const good1 = h.coalescer.accept('acc', [row('b')]);
    const bad = h.coalescer.accept('acc', [row('bad')]);
    const good2 = h.coalescer.accept('acc', [row('c')]);
    const badRefused = expect(bad).rejects.toThrow('refused bad');
    await h.openNext();
    await first;
    for (let i = 0; i < 4; i++) await h.openNext();
    await badRefused;
    await Promise.all([good1, good2]);
    expect(h.calls).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
  });

  it('groups at most maxRows rows, but never splits a request', async () => {
    const h = harness(3);
    const answers = [
      h.coalescer.accept('acc', [row('a')]),
      h.coalescer.accept('acc', [row('b'), row('c')]),
      h.coalescer.accept('acc', [row('d')]),
      h.coalescer.accept('acc', [row('e'), row('f'), row('g'), row('h')]),
    ];
    for (let i = 0; i < 3; i++) await h.openNext();
    await Promise.all(answers);
    expect(h.calls).toEqual([['a'], ['b', 'c', 'd'], ['e', 'f', 'g', 'h']]);
  });
});
