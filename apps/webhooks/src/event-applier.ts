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
      let applied = 0;
      try {
        const events = await applyPendingEvents(this.ctx.db, BATCH);
        applied = events.length;
        for (const event of events) this.ctx.metrics.applied.inc({ kind: event.kind });
      } catch (error) {
        this.ctx.logger.error({ err: error }, 'applying webhook events failed; will retry');
      }
      if (applied < BATCH && !this.kicked && this.running) {
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
