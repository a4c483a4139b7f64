import type { SpecialRecipientRule } from './types';

const MARKETING_ONLY = new Set(['marketing_limit', 'marketing_opt_out']);

/**
 * Recipients the simulator treats specially, by exact wa_id (O(1)) or by prefix (checked in
 * the order added). The first rule that matches and applies to the message's category wins.
 */
export class SpecialRecipients {
  private rules: (SpecialRecipientRule & { id: string })[] = [];
  private exact = new Map<string, SpecialRecipientRule[]>();
  private prefixed: SpecialRecipientRule[] = [];

  list(): SpecialRecipientRule[] {
    return [...this.rules];
  }

  add(rule: SpecialRecipientRule & { id: string }): void {
    this.rules.push(rule);
    this.index();
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    this.index();
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
    this.index();
  }

  /** The rule for this recipient and message category (`service` for non-template messages). */
  match(waId: string, category: string): SpecialRecipientRule | undefined {
    for (const rule of this.exact.get(waId) ?? []) if (applies(rule, category)) return rule;
    for (const rule of this.prefixed)
      if (waId.startsWith(rule.prefix as string) && applies(rule, category)) return rule;
    return undefined;
  }

  private index(): void {
    this.exact = new Map();
    this.prefixed = [];
    for (const rule of this.rules) {
      for (const number of rule.numbers ?? []) {
        const list = this.exact.get(number) ?? [];
        list.push(rule);
        this.exact.set(number, list);
      }
      if (rule.prefix !== undefined && rule.prefix !== '') this.prefixed.push(rule);
    }
  }
}

function applies(rule: SpecialRecipientRule, category: string): boolean {
  const categories = rule.categories ?? (MARKETING_ONLY.has(rule.behaviour) ? ['MARKETING'] : undefined);
  return !categories || categories.some((c) => c.toUpperCase() === category.toUpperCase());
}
