import { enqueueCallbackDeliveries, type Queues } from './jobs';

/**
 * After callback deliveries were committed (by a producer, a replay, or a worker handing them
 * on): enqueues their jobs, which only wake the callback workers. It never throws: without Redis the deliveries are safe in
 * Postgres and the callback sweep enqueues them, so a producer never stops for it.
 */
export async function wakeCallbackDeliveries(
  queues: Queues,
  logger: { warn(details: object, message: string): void },
  deliveryIds: string[],
  options: { now?: boolean } = {},
): Promise<void> {
  if (deliveryIds.length === 0) return;
  try {
    await enqueueCallbackDeliveries(queues, deliveryIds, options);
  } catch (error) {
    logger.warn(
      { err: error, deliveries: deliveryIds.length },
      'could not enqueue callback deliveries; the callback sweep will pick them up',
    );
  }
}
