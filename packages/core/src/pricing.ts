/**
 * The pricing Meta reported for a message on its statuses, as stored (messages.meta_pricing).
 * Since July 2025 Meta bills per message (`pricing_model` "PMP"); `type` says whether Meta
 * charges it (`regular`) or not (`free_customer_service`: e.g. a utility template inside an
 * open customer-service window; `free_entry_point`: inside a 72-hour free-entry window, which
 * Meta describes with a `conversation` object). `billable` is deprecated but kept when sent.
 */
export interface ReportedPricing {
  pricing_model: string | null;
  category: string | null;
  type: string | null;
  billable?: boolean;
  conversation?: Record<string, unknown>;
}

/** The types under which Meta does not charge a message. */
export const FREE_PRICING_TYPES = ['free_customer_service', 'free_entry_point'] as const;

/**
 * Why a message is not charged when its account does not charge what Meta reports free: the
 * ledger's `reason` (`meta_free_customer_service`, `meta_free_entry_point`); null when Meta
 * charges it or reported nothing.
 */
export function freeMessageReason(pricing: ReportedPricing | null | undefined): string | null {
  const type = pricing?.type;
  return FREE_PRICING_TYPES.some((free) => free === type) ? `meta_${type}` : null;
}

/** A message's pricing as message-status shows it. */
export function presentPricing(pricing: ReportedPricing | null) {
  if (!pricing) return null;
  return {
    model: pricing.pricing_model,
    category: pricing.category,
    type: pricing.type,
    ...(pricing.billable !== undefined ? { billable: pricing.billable } : {}),
  };
}
