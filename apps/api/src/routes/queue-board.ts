import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Router } from 'express';
import type { ApiContext } from '../context';
import { QUEUE_BOARD_BASE } from './mount-points';

/**
 * bull-board over the send and maintenance queues: counts, delayed and failed jobs, retries.
 * Jobs carry only message ids (Postgres holds the messages), so the board shows no personal
 * data. app.ts puts it behind the admin token.
 */
export function queueBoardRouter(ctx: ApiContext): Router {
  const serverAdapter = new ExpressAdapter().setBasePath(QUEUE_BOARD_BASE);
  createBullBoard({
    queues: [
      new BullMQAdapter(ctx.queues.send),
      new BullMQAdapter(ctx.queues.maintenance),
      new BullMQAdapter(ctx.queues.callbacks),
    ],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Dak queues' } },
  });
  return serverAdapter.getRouter();
}
