import type { Migration } from 'kysely';
import * as initial from './2026-11-26T2300-initial';
import * as walletDebt from './2026-12-01T0600-wallet-debt';
import * as walletCaptureShards from './2026-12-01T0601-wallet-capture-shards';
import * as changeNotifications from './2026-12-01T0602-change-notifications';
import * as eventProvenance from './2026-12-01T0610-event-provenance';
import * as rateLimits from './2026-12-01T0620-rate-limits';
import * as batches from './2026-12-01T0640-batches';
import * as senderIds from './2026-12-01T0700-sender-ids';
import * as marketingHolds from './2026-12-01T0710-marketing-holds';
import * as dispatch from './2026-12-01T0720-dispatch';
import * as callbacks from './2026-12-01T0800-callbacks';
import * as automations from './2026-12-01T0810-automations';
import * as lowBalance from './2026-12-01T0820-low-balance';
import * as callbackEndpointChanges from './2026-12-01T0830-callback-endpoint-changes';
import * as messagingTiers from './2026-12-01T0900-messaging-tiers';
import * as contacts from './2026-12-01T0910-contacts';
import * as metaPricing from './2026-12-01T0920-meta-pricing';
import * as media from './2026-12-01T0930-media';
import * as conversations from './2026-12-01T1000-conversations';
import * as sessionMessages from './2026-12-01T1100-session-messages';
import * as inboundMedia from './2026-12-01T1110-inbound-media';
import * as retentionIndexes from './2026-12-01T1200-retention-indexes';
import * as contactUserIds from './2026-12-01T1300-contact-user-ids';
import * as messagingTierSource from './2026-12-01T1400-messaging-tier-source';
import * as callbackReplayOrder from './2026-12-01T1600-callback-replay-order';
import * as marketingHoldsByUserId from './2026-12-01T1700-marketing-holds-by-user-id';

/** Every migration, in order. Add new ones at the end with a timestamped name. */
export const migrations: Record<string, Migration> = {
  '2026-11-26T2300-initial': initial,
  '2026-12-01T0600-wallet-debt': walletDebt,
  '2026-12-01T0601-wallet-capture-shards': walletCaptureShards,
  '2026-12-01T0602-change-notifications': changeNotifications,
  '2026-12-01T0610-event-provenance': eventProvenance,
  '2026-12-01T0620-rate-limits': rateLimits,
  '2026-12-01T0640-batches': batches,
  '2026-12-01T0700-sender-ids': senderIds,
  '2026-12-01T0710-marketing-holds': marketingHolds,
  '2026-12-01T0720-dispatch': dispatch,
  '2026-12-01T0800-callbacks': callbacks,
  '2026-12-01T0810-automations': automations,
  '2026-12-01T0820-low-balance': lowBalance,
  '2026-12-01T0830-callback-endpoint-changes': callbackEndpointChanges,
  '2026-12-01T0900-messaging-tiers': messagingTiers,
  '2026-12-01T0910-contacts': contacts,
  '2026-12-01T0920-meta-pricing': metaPricing,
  '2026-12-01T0930-media': media,
  '2026-12-01T1000-conversations': conversations,
  '2026-12-01T1100-session-messages': sessionMessages,
  '2026-12-01T1110-inbound-media': inboundMedia,
  '2026-12-01T1200-retention-indexes': retentionIndexes,
  '2026-12-01T1300-contact-user-ids': contactUserIds,
  '2026-12-01T1400-messaging-tier-source': messagingTierSource,
  '2026-12-01T1600-callback-replay-order': callbackReplayOrder,
  '2026-12-01T1700-marketing-holds-by-user-id': marketingHoldsByUserId,
};
