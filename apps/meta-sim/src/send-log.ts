/** What one phone number's sends got: when each accepted send was taken, and refusals by Meta error code. */
export interface NumberSends {
  phone_number_id: string;
  /** Epoch milliseconds of each accepted send, oldest first: the last `limit` of them. */
  accepted_at_ms: number[];
  /** Accepted sends no longer listed because the log was full (oldest forgotten first). */
  forgotten: number;
  /** Refused sends by Meta error code, e.g. `{"130429": 3}`; counted however many there were. */
  refused: Record<string, number>;
}

interface Entry {
  accepted: number[];
  forgotten: number;
  refused: Map<number, number>;
}

/**
 * Per phone number, every send `POST /{phone_number_id}/messages` accepted or refused: how a
 * sender's pacing looks from Meta's side (sends per window, 130429 answers). Bounded: past
 * `limit` accepted sends per number, the oldest half is forgotten.
 */
export class SendLog {
  private readonly numbers = new Map<string, Entry>();

  constructor(private readonly limit: number) {}

  accepted(phoneNumberId: string, at: number): void {
    const entry = this.entry(phoneNumberId);
    if (entry.accepted.length >= this.limit) {
      const drop = Math.max(1, Math.floor(this.limit / 2));
      entry.accepted.splice(0, drop);
      entry.forgotten += drop;
    }
    entry.accepted.push(at);
  }

  refused(phoneNumberId: string, code: number): void {
    const { refused } = this.entry(phoneNumberId);
    refused.set(code, (refused.get(code) ?? 0) + 1);
  }

  of(phoneNumberId: string): NumberSends {
    const entry = this.numbers.get(phoneNumberId);
    return {
      phone_number_id: phoneNumberId,
      accepted_at_ms: entry ? [...entry.accepted] : [],
      forgotten: entry?.forgotten ?? 0,
      refused: Object.fromEntries([...(entry?.refused ?? [])].map(([code, n]) => [String(code), n])),
    };
  }

  clear(phoneNumberId?: string): void {
    if (phoneNumberId === undefined) this.numbers.clear();
    else this.numbers.delete(phoneNumberId);
  }

  private entry(phoneNumberId: string): Entry {
    let entry = this.numbers.get(phoneNumberId);
    if (!entry) {
      entry = { accepted: [], forgotten: 0, refused: new Map() };
      this.numbers.set(phoneNumberId, entry);
    }
    return entry;
  }
}
