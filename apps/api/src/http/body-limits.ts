import type { JsonBodyOptions } from '@dak/http';
import { MAX_BATCH_MESSAGES } from '../resources/messages/send-batch';

/**
 * How much each JSON route reads: the one place a route's body limit is set. Each route mounts
 * `jsonBody(BODY_LIMITS.<its entry>)` after authentication and rate limiting, so nothing reads a
 * body for a caller who is not allowed in. A route with larger bodies adds its own entry here:
 * send-batch sizes its entry for 10,000 items (10,000 × SEND_MESSAGE_BYTES covers every item at
 * its largest).
 */
export const SEND_MESSAGE_BYTES = 64 * 1024;

export const BODY_LIMITS = {
  /**
   * One message. Meta's own limits (a body of 1024 characters, 10 buttons of at most 2000) keep
   * the largest valid send near 25 KB, escapes included; 64 KB leaves room and no more.
   */
  sendMessage: {
    limitBytes: SEND_MESSAGE_BYTES,
    tooLargeHint:
      "A send-message body carries one message; its variables are bounded by Meta's limits (see the 400 for each). Send several messages as separate requests.",
  },
  /**
   * 1 to 10,000 messages. Measured: 10,000 messages of the demo `order_update` template (two
   * body values, a client_reference) are 1.5 MB; with an image header link, three body values,
   * a URL button, a 50-character client_reference and expires_in, 3.5 MB. 8 MB leaves each of
   * the 10,000 messages about 840 bytes.
   */
  sendBatch: {
    limitBytes: 8 * 1024 * 1024,
    tooLargeHint: `A batch takes at most ${MAX_BATCH_MESSAGES} messages in 8 MB; split it into several batches.`,
  },
  /** An automation: its mapping is a few paths and constants per placeholder. */
  automation: {
    limitBytes: 64 * 1024,
    tooLargeHint: 'An automation maps fields to placeholders; its body is small. Send only the documented fields.',
  },
  /** A dry-run's event: as large as a hook takes (resources/automations/hooks.ts). */
  hookEvent: {
    limitBytes: 1024 * 1024,
    tooLargeHint: 'A hook takes events of at most 1 MB; a dry-run takes the same.',
    maxDepth: 64,
  },
  /** Every other JSON endpoint takes a small object (names, prices, a token, a URL). */
  small: {
    limitBytes: 16 * 1024,
    tooLargeHint: 'This endpoint takes a small JSON object; send only the documented fields.',
  },
} satisfies Record<string, JsonBodyOptions>;
