/**
 * Sending lanes, most urgent first. A message's lane follows its template's category (a
 * one-time password waits behind nothing, a promotion waits behind everything); a batch may
 * ask for its category's lane or a slower one, never a faster one, or a marketing batch
 * labelled `authentication` would hold up every OTP behind it.
 */
export const PRIORITIES = ['authentication', 'utility', 'marketing'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** The lane of a template category; an unknown category gets the slowest lane. */
export function priorityOfCategory(category: string): Priority {
  const lane = category.toLowerCase();
  return (PRIORITIES as readonly string[]).includes(lane) ? (lane as Priority) : 'marketing';
}

/** Whether `requested` is as slow as `category`'s lane or slower. */
export function priorityAllowed(requested: Priority, category: string): boolean {
  return PRIORITIES.indexOf(requested) >= PRIORITIES.indexOf(priorityOfCategory(category));
}
