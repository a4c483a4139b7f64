import { describe, expect, it } from 'vitest';
import { extractPlaceholders, hydrate, templateShape } from '../../src/templates';
import { templateFixture } from '@dak/dev-env/template-fixtures';

describe('extractPlaceholders', () => {
  it('returns positional placeholders in number order, each once', () => {
    expect(extractPlaceholders('Hi {{1}}, your order {{2}} is on its way.')).toEqual(['1', '2']);
    expect(extractPlaceholders('{{2}} then {{10}} then {{1}} and {{2}} again')).toEqual(['1', '2', '10']);
  });

  it('returns named placeholders in order of appearance, tolerating spaces in the braces', () => {
    expect(extractPlaceholders('Hi {{first_name}}, {{ discount }} off until {{valid_until}}. {{first_name}}!')).toEqual(
      ['first_name', 'discount', 'valid_until'],
    );
  });

  it('finds nothing in static text or in single braces', () => {
    expect(extractPlaceholders('Welcome to Kirana Cart')).toEqual([]);
    expect(extractPlaceholders('Use {code} or {{}} here')).toEqual([]);
  });
});

describe('hydrate', () => {
  it('replaces each placeholder with its value and leaves unknown ones', () => {
    const values = new Map([
      ['1', 'John'],
      ['2', 'ORD-1'],
    ]);
    expect(hydrate('Hi {{1}}, order {{2}} ({{3}}), again {{1}}', values)).toBe(
      'Hi John, order ORD-1 ({{3}}), again John',
    );
  });
});

describe('templateShape', () => {
  it('extracts the placeholders of header, body and buttons with their examples (appointment_reminder)', () => {
    const shape = templateShape(templateFixture('appointment_reminder'));
    expect(shape.parameter_format).toBe('POSITIONAL');
    expect(shape.header).toEqual({
      format: 'TEXT',
      text: 'Appointment on {{1}}',
      placeholders: [{ name: '1', placeholder: '{{1}}', example: '12 March' }],
    });
    expect(shape.body?.placeholders).toEqual([
      { name: '1', placeholder: '{{1}}', example: 'Priya' },
      { name: '2', placeholder: '{{2}}', example: 'Dr. Mehta' },
      { name: '3', placeholder: '{{3}}', example: '4:30 PM' },
    ]);
    expect(shape.buttons).toEqual([]);
  });

  it('reads the media type of media headers', () => {
    expect(templateShape(templateFixture('product_launch_video')).header).toMatchObject({
      format: 'VIDEO',
      media_type: 'video',
    });
    expect(templateShape(templateFixture('invoice_ready')).header).toMatchObject({
      format: 'DOCUMENT',
      media_type: 'document',
    });
  });

  it('infers NAMED for templates synced before Meta added parameter_format', () => {
    const { parameter_format: _format, ...festive } = templateFixture('festive_offer');
    expect(templateShape(festive).parameter_format).toBe('NAMED');
    const { parameter_format: _positional, ...order } = templateFixture('order_update');
    expect(templateShape(order).parameter_format).toBe('POSITIONAL');
  });

  it('treats an OTP button as the code button, and any URL button of an authentication template too', () => {
    const created = {
      ...templateFixture('login_otp'),
      components: [
        ...templateFixture('login_otp').components.filter((c) => c.type !== 'BUTTONS'),
        {
          type: 'BUTTONS' as const,
          buttons: [{ type: 'OTP' as const, otp_type: 'COPY_CODE' as const, text: 'Copy code' }],
        },
      ],
    };
    expect(templateShape(created).buttons).toEqual([
      {
        index: 0,
        type: 'OTP',
        sub_type: 'url',
        text: 'Copy code',
        takes: 'otp_code',
        required: false,
        example: '482913',
      },
    ]);
  });
});
