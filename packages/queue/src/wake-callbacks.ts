import { enqueueCallbackDeliveries, type Queues } from './jobs';

/**
 * After a producer's transaction committed callback deliveries: enqueues their jobs, which
 * only wake the callback workers. It never throws: without Redis the deliveries are safe in
 * Postgres and the callback sweep enqueues them, so a producer never stops for it.
 */
export async function wakeCallbackDeliveries(
  queues: Queues,
  logger: { warn(details: object, message: string): void },
  deliveryIds: string[],
): Promise<void> {
  if (deliveryIds.length === 0) return;
  try {
    await enqueueCallbackDeliveries(queues, deliveryIds);
  } catch (error) {
    logger.warn(
      { err: error, deliveries: deliveryIds.length },
      'could not enqueue callback deliveries; the callback sweep will pick them up',
    );
  }
}
