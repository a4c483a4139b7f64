import { ReachWindow } from './messaging-limit';
import { ThroughputWindow } from './rate-limits';
import type { BusinessSeed, MetaTemplate, PairRateLimit, PhoneNumberSeed } from './types';

export interface Business {
  wabaId: string;
  name: string;
  accessToken: string;
  phoneNumberIds: Set<string>;
  /** The portfolio's messaging limit and whom it reached in the last 24 h. */
  reach: ReachWindow;
  /** Template ids in creation order. */
  templateIds: string[];
}

export interface PhoneNumber {
  id: string;
  display: string;
  verifiedName: string;
  wabaId: string;
  throughput: ThroughputWindow;
  pairLimit: PairRateLimit | undefined;
  registered: boolean;
  /** While now < this, sends answer 131057 (a throughput upgrade in progress). */
  maintenanceUntil: number;
}

/**
 * The simulator's world: businesses, their phone numbers and templates, and who may touch
 * them. Plain maps, so every lookup on the send path is O(1).
 */
export class SimStore {
  readonly businesses = new Map<string, Business>();
  readonly phoneNumbers = new Map<string, PhoneNumber>();
  readonly templates = new Map<string, MetaTemplate>();
  private readonly tokens = new Map<string, string>();
  private readonly templateWaba = new Map<string, string>();
  private readonly templateByKey = new Map<string, MetaTemplate>();

  constructor(
    private defaultMps: number,
    private tolerance: number,
  ) {}

  get throughputDefaults(): { mps: number; tolerance: number } {
    return { mps: this.defaultMps, tolerance: this.tolerance };
  }

  setThroughputDefaults(mps: number, tolerance: number): void {
    this.defaultMps = mps;
    this.tolerance = tolerance;
    for (const number of this.phoneNumbers.values()) {
      number.throughput = new ThroughputWindow(number.throughput.mps, tolerance);
    }
  }

  clear(): void {
    this.businesses.clear();
    this.phoneNumbers.clear();
    this.templates.clear();
    this.tokens.clear();
    this.templateWaba.clear();
    this.templateByKey.clear();
  }

  /** Adds or replaces a business; its numbers and templates are (re)registered. */
  upsertBusiness(seed: BusinessSeed, newTemplateId: () => string): Business {
    const previous = this.businesses.get(seed.waba_id);
    if (previous) {
      if (this.tokens.get(previous.accessToken) === previous.wabaId) this.tokens.delete(previous.accessToken);
    }
    const business: Business = previous ?? {
      wabaId: seed.waba_id,
      name: seed.name ?? `Business ${seed.waba_id}`,
      accessToken: seed.access_token,
      phoneNumberIds: new Set(),
      reach: new ReachWindow(),
      templateIds: [],
    };
    business.name = seed.name ?? business.name;
    if (seed.messaging_limit_tier) business.reach.tier = seed.messaging_limit_tier;
    business.accessToken = seed.access_token;
    this.businesses.set(business.wabaId, business);
    this.tokens.set(seed.access_token, business.wabaId);
    for (const number of seed.phone_numbers) this.upsertPhoneNumber(business, number);
    for (const template of seed.templates ?? []) {
      this.upsertTemplate(business.wabaId, { ...template, id: template.id || newTemplateId() });
    }
    return business;
  }

  upsertPhoneNumber(business: Business, seed: PhoneNumberSeed): PhoneNumber {
    const existing = this.phoneNumbers.get(seed.phone_number_id);
    if (existing && existing.wabaId !== business.wabaId) {
      this.businesses.get(existing.wabaId)?.phoneNumberIds.delete(existing.id);
    }
    const mps = seed.mps ?? existing?.throughput.mps ?? this.defaultMps;
    const number: PhoneNumber = {
      id: seed.phone_number_id,
      display: seed.display_phone_number.replace(/\D/g, ''),
      verifiedName: seed.verified_name ?? business.name,
      wabaId: business.wabaId,
      throughput:
        existing && existing.throughput.mps === mps ? existing.throughput : new ThroughputWindow(mps, this.tolerance),
      pairLimit: existing?.pairLimit,
      registered: existing?.registered ?? true,
      maintenanceUntil: existing?.maintenanceUntil ?? 0,
    };
    this.phoneNumbers.set(number.id, number);
    business.phoneNumberIds.add(number.id);
    return number;
  }

  setMps(number: PhoneNumber, mps: number): void {
    number.throughput = new ThroughputWindow(mps, this.tolerance);
  }

  upsertTemplate(wabaId: string, template: MetaTemplate): { template: MetaTemplate; previous?: MetaTemplate } {
    const business = this.businesses.get(wabaId);
    if (!business) throw new Error(`unknown WABA ${wabaId}`);
    const previous = this.templates.get(template.id);
    const stored: MetaTemplate = { parameter_format: 'POSITIONAL', ...template };
    if (previous) this.templateByKey.delete(templateKey(wabaId, previous.name, previous.language));
    this.templates.set(stored.id, stored);
    this.templateWaba.set(stored.id, wabaId);
    this.templateByKey.set(templateKey(wabaId, stored.name, stored.language), stored);
    if (!previous) business.templateIds.push(stored.id);
    return previous ? { template: stored, previous } : { template: stored };
  }

  deleteTemplate(wabaId: string, templateId: string): void {
    const template = this.templates.get(templateId);
    if (template) this.templateByKey.delete(templateKey(wabaId, template.name, template.language));
    this.templates.delete(templateId);
    this.templateWaba.delete(templateId);
    const business = this.businesses.get(wabaId);
    if (business) business.templateIds = business.templateIds.filter((id) => id !== templateId);
  }

  wabaForToken(token: string): string | undefined {
    return this.tokens.get(token);
  }

  wabaOfTemplate(templateId: string): string | undefined {
    return this.templateWaba.get(templateId);
  }

  templatesOf(wabaId: string): MetaTemplate[] {
    const business = this.businesses.get(wabaId);
    if (!business) return [];
    const out: MetaTemplate[] = [];
    for (const id of business.templateIds) {
      const template = this.templates.get(id);
      if (template) out.push(template);
    }
    return out;
  }

  /** Finds a template by name and language in one WABA (a name is unique per language). */
  findTemplate(wabaId: string, name: string, language: string): MetaTemplate | undefined {
    return this.templateByKey.get(templateKey(wabaId, name, language));
  }

  hasTemplateName(wabaId: string, name: string): boolean {
    return this.templatesOf(wabaId).some((template) => template.name === name);
  }
}

function templateKey(wabaId: string, name: string, language: string): string {
  return `${wabaId}\u0000${name}\u0000${language}`;
}
