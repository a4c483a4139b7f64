import { optKeywordsOf } from '@dak/core';
import { wakeCallbackDeliveries } from '@dak/queue';
import type { WebhooksContext } from './context';
import { applyPendingEvents } from './apply-events';

const BATCH = 500;
const POLL_MS = 1_000;

/**
 * Applies stored events in the background, in batches. A POST kicks it right away; it also
 * polls, so events stored by another process, or waiting for their message to become known,
 * are applied too. Several receivers can run side by side (SKIP LOCKED splits the work).
 */
export class EventApplier {
  private running = false;
  /** A kick that came while a batch was being applied: go round again without sleeping. */
  private kicked = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly ctx: WebhooksContext) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.kicked = false;
      let taken = 0;
      try {
        const batch = await applyPendingEvents(
          this.ctx.db,
          BATCH,
          this.ctx.callbackSubscriptions,
          optKeywordsOf(this.ctx.config.contacts),
        );
        taken = batch.taken;
        // Committed with the batch; the jobs only wake the callback workers.
        await wakeCallbackDeliveries(this.ctx.queues, this.ctx.logger, batch.deliveries);
        for (const event of batch.applied) this.ctx.metrics.applied.inc({ kind: event.kind });
        for (const { event, reason } of batch.rejected) {
          this.ctx.metrics.rejected.inc({ reason });
          // Ids only: never the payload (inbound bodies are personal data).
          this.ctx.logger.warn(
            {
              eventId: event.id,
              kind: event.kind,
              reason,
              wabaId: event.waba_id,
              metaPhoneNumberId: event.meta_phone_number_id,
              messageId: event.message_id,
              wamid: event.wamid,
            },
            'webhook event rejected: it does not prove it belongs to what it names',
          );
        }
      } catch (error) {
        this.ctx.logger.error({ err: error }, 'applying webhook events failed; will retry');
      }
      if (taken < BATCH && !this.kicked && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, POLL_MS);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }
}
