import type { SeededRandom } from './random';
import type { FaultRoute, FaultRule } from './types';

export type StoredFault = FaultRule & { id: string; applied: number };

export interface FaultTarget {
  route: Exclude<FaultRoute, 'all'> | 'other';
  phoneNumberId?: string;
  wabaId?: string;
}

/**
 * Faults injected on demand. Rules are checked in the order added; the first that matches
 * the request's scope and wins its probability draw (seeded) is applied and its count spent.
 */
export class FaultBook {
  private rules: StoredFault[] = [];

  constructor(private readonly random: SeededRandom) {}

  list(): StoredFault[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  add(rule: FaultRule & { id: string }): StoredFault {
    const stored: StoredFault = { ...rule, applied: 0 };
    this.rules.push(stored);
    return { ...stored };
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault to apply to this request, if any. */
  take(target: FaultTarget): StoredFault | undefined {
    if (this.rules.length === 0) return undefined;
    for (const rule of this.rules) {
      if (!inScope(rule, target)) continue;
      if (rule.probability !== undefined && !this.random.chance(rule.probability)) continue;
      rule.applied += 1;
      if (rule.count !== undefined && rule.applied >= rule.count) this.remove(rule.id);
      return { ...rule };
    }
    return undefined;
  }
}

function inScope(rule: FaultRule, target: FaultTarget): boolean {
  const route = rule.route ?? 'messages';
  if (route !== 'all' && route !== target.route) return false;
  if (rule.phoneNumberId !== undefined && rule.phoneNumberId !== target.phoneNumberId) return false;
  if (rule.wabaId !== undefined && rule.wabaId !== target.wabaId) return false;
  return true;
}
