import { describe, expect, it } from 'vitest';
import {
  conversationId,
  inboundContentOf,
  inboundTime,
  isConversationId,
  serviceWindow,
  SERVICE_WINDOW_MS,
} from '../src/conversations';

describe('conversations', () => {
  it('a conversation id is deterministic, opaque and distinct per account, number and contact', () => {
    const id = conversationId('acc_1', 'pn_1', '919820388810');
    expect(isConversationId(id)).toBe(true);
    expect(conversationId('acc_1', 'pn_1', '919820388810')).toBe(id);
    expect(
      new Set([
        id,
        conversationId('acc_2', 'pn_1', '919820388810'),
        conversationId('acc_1', 'pn_2', '919820388810'),
        conversationId('acc_1', 'pn_1', '919820388811'),
      ]).size,
    ).toBe(4);
    // The separator keeps ("a", "bc") and ("ab", "c") apart.
    expect(conversationId('a', 'bc', '1')).not.toBe(conversationId('ab', 'c', '1'));
  });

  it('the service window is open until 24 h after the last inbound message, closed when there was none', () => {
    const last = new Date('2026-03-14T09:30:00.000Z');
    const until = new Date(last.getTime() + SERVICE_WINDOW_MS);
    expect(serviceWindow(last, new Date(until.getTime() - 1))).toEqual({ open: true, until });
    expect(serviceWindow(last, until)).toEqual({ open: false, until });
    expect(serviceWindow(null)).toEqual({ open: false, until: null });
  });

  it("an inbound message's time is when Dak received it, kept inside Meta's second", () => {
    const meta = new Date('2026-03-14T09:30:00.000Z');
    expect(inboundTime(meta, new Date('2026-03-14T09:30:00.420Z')).toISOString()).toBe('2026-03-14T09:30:00.420Z');
    expect(inboundTime(meta, new Date('2026-03-15T09:30:00.000Z')).toISOString()).toBe('2026-03-14T09:30:00.999Z');
    // A receiver clock behind Meta's: Meta's second.
    expect(inboundTime(meta, new Date('2026-03-14T09:29:59.000Z')).toISOString()).toBe('2026-03-14T09:30:00.000Z');
    expect(inboundTime(null, meta)).toBe(meta);
  });

  it.each([
    [{ type: 'text', text: { body: 'Hi' } }, 'Hi', null, null],
    [
      { type: 'button', button: { payload: 'STOP', text: 'Stop promotions' }, context: { id: 'wamid.A' } },
      'Stop promotions',
      null,
      'wamid.A',
    ],
    [
      { type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: '2', title: 'Tomorrow' } } },
      'Tomorrow',
      null,
      null,
    ],
    [
      { type: 'interactive', interactive: { type: 'nfm_reply', nfm_reply: { body: 'Sent', response_json: '{}' } } },
      'Sent',
      null,
      null,
    ],
    [{ type: 'reaction', reaction: { message_id: 'wamid.B', emoji: '❤️' } }, '❤️', null, 'wamid.B'],
    [{ type: 'location', location: { latitude: 1, longitude: 2, address: 'MG Road' } }, 'MG Road', null, null],
    [
      { type: 'contacts', contacts: [{ name: { formatted_name: 'A' } }, { name: { formatted_name: 'B' } }] },
      'A, B',
      null,
      null,
    ],
    [
      { type: 'video', video: { id: 'm1', mime_type: 'video/mp4', sha256: 's', caption: 'Look' } },
      'Look',
      { id: 'm1', mimeType: 'video/mp4', sha256: 's' },
      null,
    ],
    [
      { type: 'audio', audio: { id: 'm2', mime_type: 'audio/ogg', voice: true } },
      null,
      { id: 'm2', mimeType: 'audio/ogg', sha256: null },
      null,
    ],
    [{ type: 'unsupported', errors: [{ code: 131051 }] }, null, null, null],
    [{ text: 'no type' }, null, null, null],
  ])('reads %j', (message, text, media, contextWamid) => {
    expect(inboundContentOf(message as Record<string, unknown>)).toEqual({
      type: (message as { type?: string }).type ?? 'unknown',
      text,
      media,
      contextWamid,
    });
  });
});
