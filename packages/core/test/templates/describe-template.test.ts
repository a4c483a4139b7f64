import { describe, expect, it } from 'vitest';
import { buildTemplateComponents, describeTemplate, SAMPLE_LOCATION, sendVariablesSchema } from '../../src/templates';
import { templateFixture, templateFixtures } from '@dak/dev-env/template-fixtures';

describe('describeTemplate', () => {
  it('describes a positional body with its examples (order_update)', () => {
    expect(describeTemplate(templateFixture('order_update'))).toEqual({
      parameter_format: 'POSITIONAL',
      header: null,
      body: {
        text: 'Hi {{1}}, your order {{2}} is on its way.',
        placeholders: [
          { name: '1', placeholder: '{{1}}', example: 'John Doe' },
          { name: '2', placeholder: '{{2}}', example: 'ORD-12345' },
        ],
      },
      buttons: [],
      variables: [{ type: 'body', values: ['John Doe', 'ORD-12345'] }],
    });
  });

  it('describes an image header and a URL button whose example is the suffix (order_shipped)', () => {
    const template = templateFixture('order_shipped');
    const handle = (template.components[0] as { example: { header_handle: string[] } }).example.header_handle[0];
    const description = describeTemplate(template);
    expect(description.header).toEqual({ format: 'IMAGE', media_type: 'image', example: handle });
    expect(description.buttons).toEqual([
      {
        index: 0,
        type: 'URL',
        sub_type: 'url',
        text: 'Track package',
        url: 'https://kiranacart.in/track/{{1}}',
        takes: 'url_suffix',
        required: true,
        example: 'ORD-20931',
      },
    ]);
    expect(description.variables).toEqual([
      { type: 'header', media: { type: 'image', link: handle } },
      { type: 'body', values: ['Aarav', 'ORD-20931', 'Friday, 14 March'] },
      { type: 'button', index: 0, values: ['ORD-20931'] },
    ]);
  });

  it('describes named header and body placeholders and optional quick replies (festive_offer)', () => {
    expect(describeTemplate(templateFixture('festive_offer'))).toEqual({
      parameter_format: 'NAMED',
      header: {
        format: 'TEXT',
        text: '{{sale_name}} is live!',
        placeholders: [{ name: 'sale_name', placeholder: '{{sale_name}}', example: 'Diwali Sale' }],
      },
      body: {
        text: 'Hi {{first_name}}, enjoy {{discount}} off everything until {{valid_until}}. Tap below to shop or to stop these offers.',
        placeholders: [
          { name: 'first_name', placeholder: '{{first_name}}', example: 'Meera' },
          { name: 'discount', placeholder: '{{discount}}', example: '30%' },
          { name: 'valid_until', placeholder: '{{valid_until}}', example: '2 November' },
        ],
      },
      buttons: [
        {
          index: 0,
          type: 'QUICK_REPLY',
          sub_type: 'quick_reply',
          text: 'Shop now',
          takes: 'payload',
          required: false,
          example: null,
        },
        {
          index: 1,
          type: 'QUICK_REPLY',
          sub_type: 'quick_reply',
          text: 'Stop promotions',
          takes: 'payload',
          required: false,
          example: null,
        },
      ],
      variables: [
        { type: 'header', values: { sale_name: 'Diwali Sale' } },
        { type: 'body', values: { first_name: 'Meera', discount: '30%', valid_until: '2 November' } },
      ],
    });
  });

  it('describes the one-time code button of an authentication template as filled from the body', () => {
    const description = describeTemplate(templateFixture('login_otp'));
    expect(description.buttons).toEqual([
      {
        index: 0,
        type: 'URL',
        sub_type: 'url',
        text: 'Copy code',
        url: 'https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code_expiration_minutes=10&code=otp{{1}}',
        takes: 'otp_code',
        required: false,
        example: '482913',
      },
    ]);
    expect(description.variables).toEqual([{ type: 'body', values: ['482913'] }]);
  });

  it('describes copy-code, phone, static URL and flow buttons', () => {
    expect(describeTemplate(templateFixture('coupon_offer')).buttons).toEqual([
      {
        index: 0,
        type: 'COPY_CODE',
        sub_type: 'copy_code',
        text: 'Copy offer code',
        takes: 'coupon_code',
        required: true,
        example: 'SAVE20',
      },
      {
        index: 1,
        type: 'URL',
        sub_type: 'url',
        text: 'Shop now',
        url: 'https://kiranacart.in/offers',
        takes: 'nothing',
        required: false,
        example: null,
      },
    ]);
    expect(describeTemplate(templateFixture('order_support')).buttons[4]).toEqual({
      index: 4,
      type: 'PHONE_NUMBER',
      sub_type: 'phone_number',
      text: 'Call support',
      phone_number: '+918045678900',
      takes: 'nothing',
      required: false,
      example: null,
    });
    expect(describeTemplate(templateFixture('feedback_survey')).buttons).toEqual([
      {
        index: 0,
        type: 'FLOW',
        sub_type: 'flow',
        text: 'Take the survey',
        takes: 'flow_token',
        required: false,
        example: null,
      },
    ]);
  });

  it('offers a sample location for a location header, which Meta keeps no example for', () => {
    const description = describeTemplate(templateFixture('store_pickup_location'));
    expect(description.header).toEqual({ format: 'LOCATION' });
    expect(description.variables[0]).toEqual({ type: 'header', location: SAMPLE_LOCATION });
  });

  it('needs no variables for a template without placeholders', () => {
    const description = describeTemplate(templateFixture('welcome_message'));
    expect(description.header).toEqual({ format: 'TEXT', text: 'Welcome to Kirana Cart', placeholders: [] });
    expect(description.variables).toEqual([]);
  });

  it('falls back to the placeholder name when Meta gave no example', () => {
    const template = {
      ...templateFixture('order_update'),
      components: [{ type: 'BODY' as const, text: 'Hi {{1}}, your order {{2}} is on its way.' }],
    };
    const description = describeTemplate(template);
    expect(description.body?.placeholders.map((p) => p.example)).toEqual([null, null]);
    expect(description.variables).toEqual([{ type: 'body', values: ['1', '2'] }]);
  });

  it.each(Object.entries(templateFixtures))('gives ready-to-send variables for %s', (_name, template) => {
    const { variables } = describeTemplate(template);
    // They survive the API's own parsing unchanged, and build without error.
    expect(sendVariablesSchema.parse(JSON.parse(JSON.stringify(variables)))).toEqual(variables);
    expect(buildTemplateComponents(template, variables).ok).toBe(true);
  });
});
