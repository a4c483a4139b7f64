import type { z } from 'zod';
import type { AutomationEvent, AutomationWithSender } from '@dak/db';
import type { automationEventSchema, automationSchema } from './schema';

export function presentAutomation(row: AutomationWithSender): z.infer<typeof automationSchema> {
  return {
    id: row.id,
    name: row.name,
    phone_number_id: row.meta_phone_number_id,
    template_id: row.template_id,
    template_name: row.template_name,
    template_language: row.template_language,
    recipient: row.recipient,
    variables: row.variables,
    condition: row.condition,
    dedupe: row.dedupe_path,
    verify: row.verify_kind && row.verify_header ? { kind: row.verify_kind, header: row.verify_header } : null,
    enabled: row.enabled,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function presentAutomationEvent(row: AutomationEvent): z.infer<typeof automationEventSchema> {
  return {
    id: row.id,
    received_at: row.received_at.toISOString(),
    outcome: row.outcome,
    reason: row.reason,
    reason_message: row.reason_message,
    message_id: row.message_id,
    dedupe_value: row.dedupe_value,
    content_type: row.content_type,
    headers: row.headers,
    payload: row.payload,
    body_text: row.body_text,
    evaluated_at: row.evaluated_at?.toISOString() ?? null,
  };
}
