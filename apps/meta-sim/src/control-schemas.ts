import { z } from 'zod';
import { MESSAGING_LIMIT_TIERS, type MessagingLimitTier } from './messaging-limit';

const probability = z.number().min(0).max(1);
const delay = z.number().int().min(0).max(86_400_000);

export const templateSchema = z.looseObject({
  id: z.string().min(1).optional(),
  name: z.string().min(1),
  language: z.string().min(1),
  status: z.string().min(1).default('APPROVED'),
  category: z.string().min(1).default('UTILITY'),
  parameter_format: z.enum(['POSITIONAL', 'NAMED']).optional(),
  components: z.array(z.looseObject({ type: z.string().min(1) })).default([]),
});

export const phoneNumberSchema = z.object({
  phone_number_id: z.string().min(1),
  display_phone_number: z.string().min(1),
  mps: z.number().int().min(1).max(100_000).optional(),
  verified_name: z.string().optional(),
});

export const messagingLimitTierSchema = z.enum(Object.keys(MESSAGING_LIMIT_TIERS) as [MessagingLimitTier]);

export const businessSchema = z.object({
  waba_id: z.string().min(1),
  name: z.string().optional(),
  /** The portfolio's messaging limit; default unlimited. */
  messaging_limit_tier: messagingLimitTierSchema.optional(),
  access_token: z.string().min(1),
  phone_numbers: z.array(phoneNumberSchema).default([]),
  templates: z.array(templateSchema).optional(),
});

export const businessPatchSchema = z.object({ messaging_limit_tier: messagingLimitTierSchema });

export const seedFileSchema = z.object({ businesses: z.array(businessSchema) });

export const pairRateLimitSchema = z.object({ burst: z.number().int().min(0), intervalMs: delay });

export const phoneNumberPatchSchema = z.object({
  mps: z.number().int().min(1).max(100_000).optional(),
  pairRateLimit: pairRateLimitSchema.nullable().optional(),
  registered: z.boolean().optional(),
});

export const throughputUpgradeSchema = z.object({
  mps: z.number().int().min(1).max(100_000).default(1_000),
  durationMs: delay.default(60_000),
});

export const limitsSchema = z.object({
  defaultMps: z.number().int().min(1).max(100_000).optional(),
  throughputTolerance: z.number().min(0).max(10).optional(),
  pairRateLimit: pairRateLimitSchema.optional(),
});

export const templateStatusSchema = z.object({ status: z.string().min(1), reason: z.string().optional() });

export const templateReviewSchema = z.object({
  delayMs: delay.optional(),
  rejectNamePattern: z.string().optional(),
  rejectReason: z.string().optional(),
});

export const specialRecipientSchema = z
  .object({
    id: z.string().min(1).optional(),
    prefix: z.string().min(1).optional(),
    numbers: z.array(z.string().regex(/^\d+$/)).optional(),
    behaviour: z.enum([
      'not_on_whatsapp',
      'marketing_limit',
      'marketing_opt_out',
      'never_reads',
      'reads_instantly',
      'never_delivers',
      'fails_then_delivers',
      'fails',
      'replies',
    ]),
    errorCode: z.number().int().optional(),
    replyText: z.string().optional(),
    categories: z.array(z.string()).optional(),
  })
  .refine((rule) => rule.prefix !== undefined || (rule.numbers?.length ?? 0) > 0, {
    message: 'give a prefix or a list of numbers',
  });

export const faultSchema = z.object({
  id: z.string().min(1).optional(),
  kind: z.enum(['error', 'delay', 'timeout', 'drop']),
  route: z.enum(['messages', 'templates', 'all']).optional(),
  phoneNumberId: z.string().optional(),
  wabaId: z.string().optional(),
  count: z.number().int().min(1).optional(),
  probability: probability.optional(),
  code: z.number().int().optional(),
  httpStatus: z.number().int().min(100).max(599).optional(),
  details: z.string().optional(),
  delayMs: delay.optional(),
  when: z.enum(['before', 'after']).optional(),
});

export const webhookConfigSchema = z.object({
  url: z.url().nullable().optional(),
  delaysMs: z.object({ sent: delay.optional(), delivered: delay.optional(), read: delay.optional() }).optional(),
  jitterMs: delay.optional(),
  batchSize: z.number().int().min(1).max(1_000).optional(),
  batchWindowMs: delay.optional(),
  concurrency: z.number().int().min(1).max(1_024).optional(),
  timeoutMs: delay.optional(),
  maxAttempts: z.number().int().min(1).optional(),
  retryBaseMs: delay.optional(),
  retryMaxMs: delay.optional(),
  duplicateRate: probability.optional(),
  reorderRate: probability.optional(),
  readRate: probability.optional(),
});

export const inboundSchema = z
  .object({
    phone_number_id: z.string().min(1),
    /** The user's phone number; absent for a user who adopted a username and withholds it. */
    from: z
      .string()
      .regex(/^\+?\d{7,15}$/)
      .optional(),
    /** The user's business-scoped user id (2026), beside or instead of `from`. */
    user_id: z
      .string()
      .regex(/^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/)
      .optional(),
    username: z.string().optional(),
    name: z.string().optional(),
    text: z.string().optional(),
    button: z.object({ payload: z.string(), text: z.string() }).optional(),
    context_id: z.string().optional(),
  })
  .refine((input) => input.text !== undefined || input.button !== undefined, { message: 'give text or button' })
  .refine((input) => input.from !== undefined || input.user_id !== undefined, { message: 'give from or user_id' });

export const serviceWindowSchema = z.object({
  phone_number_id: z.string().min(1),
  wa_id: z.string().regex(/^\d+$/),
  /** As a click-to-WhatsApp ad: also a 72-hour free-entry window (every message free_entry_point). */
  entry_point: z.boolean().optional(),
});

/** `POST /_sim/media`: a file as a customer's message would carry it. */
export const customerMediaSchema = z.object({
  phone_number_id: z.string().min(1),
  mime_type: z.string().min(1),
  data_base64: z.string(),
});
