import { describe, expect, it } from 'vitest';
import { buildTemplateComponents, type SendVariable } from '../../src/templates';
import { templateFixture } from '@dak/dev-env/template-fixtures';
import { errorsOf } from './build-result';

const orderShipped = templateFixture('order_shipped');
const video = templateFixture('product_launch_video');
const invoice = templateFixture('invoice_ready');
const pickup = templateFixture('store_pickup_location');

const shippedBody: SendVariable = { type: 'body', values: ['Aarav', 'ORD-20931', 'Friday, 14 March'] };
const shippedButton: SendVariable = { type: 'button', index: 0, values: ['ORD-20931'] };
const invoiceBody: SendVariable = { type: 'body', values: ['Ravi Traders', 'INV-2026-0042'] };
const pickupBody: SendVariable = { type: 'body', values: ['ORD-88102'] };

describe('image header and URL button (order_shipped)', () => {
  it('builds header, body and the URL suffix button exactly as Meta takes them', () => {
    const result = buildTemplateComponents(orderShipped, [
      { type: 'header', media: { type: 'image', link: 'https://cdn.kiranacart.in/orders/20931.jpg' } },
      shippedBody,
      shippedButton,
    ]);
    expect(result).toEqual({
      ok: true,
      components: [
        {
          type: 'header',
          parameters: [{ type: 'image', image: { link: 'https://cdn.kiranacart.in/orders/20931.jpg' } }],
        },
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Aarav' },
            { type: 'text', text: 'ORD-20931' },
            { type: 'text', text: 'Friday, 14 March' },
          ],
        },
        { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'ORD-20931' }] },
      ],
    });
  });

  it('takes an uploaded media id instead of a link', () => {
    const result = buildTemplateComponents(orderShipped, [
      { type: 'header', media: { type: 'image', id: '1872036475910283' } },
      shippedBody,
      shippedButton,
    ]);
    expect(result.ok && result.components[0]).toEqual({
      type: 'header',
      parameters: [{ type: 'image', image: { id: '1872036475910283' } }],
    });
  });

  it('requires the image, of the right type', () => {
    expect(buildTemplateComponents(orderShipped, [shippedBody, shippedButton])).toEqual({
      ok: false,
      errors: [
        {
          component: 'header',
          message: 'header expects an image (template header format IMAGE), got none',
          expected: 'image',
          received: 'none',
        },
      ],
    });
    const wrongType = buildTemplateComponents(orderShipped, [
      { type: 'header', media: { type: 'video', link: 'https://cdn.kiranacart.in/a.mp4' } },
      shippedBody,
      shippedButton,
    ]);
    expect(errorsOf(wrongType)).toEqual(['header expects an image (template header format IMAGE), got a video']);
    const text = buildTemplateComponents(orderShipped, [{ type: 'header', values: ['x'] }, shippedBody, shippedButton]);
    expect(errorsOf(text)).toEqual(['header expects an image (template header format IMAGE), got text values']);
  });

  it('rejects links that are not http(s), both link and id, neither, and a filename on an image', () => {
    const build = (media: Extract<SendVariable, { type: 'header' }>['media']) =>
      errorsOf(buildTemplateComponents(orderShipped, [{ type: 'header', media }, shippedBody, shippedButton]));
    expect(build({ type: 'image', link: 'ftp://cdn.kiranacart.in/a.jpg' })).toEqual([
      'header image link must be an http(s) URL, got "ftp://cdn.kiranacart.in/a.jpg"',
    ]);
    expect(build({ type: 'image', link: 'cdn.kiranacart.in/a.jpg' })).toEqual([
      'header image link must be an http(s) URL, got "cdn.kiranacart.in/a.jpg"',
    ]);
    expect(build({ type: 'image', link: 'https://cdn.kiranacart.in/a.jpg', id: '1872036475910283' })).toEqual([
      'header image takes a link or an id, not both',
    ]);
    expect(build({ type: 'image' })).toEqual(['header image needs a link or an id']);
    expect(build({ type: 'image', id: '18720 36475' })).toEqual([
      'header image id must be a media id from Meta\'s upload, got "18720 36475"',
    ]);
    expect(build({ type: 'image', link: 'https://cdn.kiranacart.in/a.jpg', filename: 'a.jpg' })).toEqual([
      'header image takes no filename (only documents do)',
    ]);
  });

  it('requires the URL suffix and checks the URL it makes', () => {
    const header: SendVariable = { type: 'header', media: { type: 'image', link: 'https://cdn.kiranacart.in/a.jpg' } };
    expect(buildTemplateComponents(orderShipped, [header, shippedBody])).toEqual({
      ok: false,
      errors: [
        {
          component: 'button',
          index: 0,
          message: 'button 0 (URL) expects 1 value (the URL suffix), got 0',
          expected: 1,
          received: 0,
        },
      ],
    });
    const withSuffix = (suffix: string) =>
      errorsOf(
        buildTemplateComponents(orderShipped, [header, shippedBody, { type: 'button', index: 0, values: [suffix] }]),
      );
    expect(withSuffix('')).toEqual(['button 0 (URL) URL suffix is empty']);
    expect(withSuffix('ORD 1')).toEqual(['button 0 (URL) URL suffix must not contain whitespace; URL-encode it']);
    // `$&` is literal text in a suffix, not a replacement pattern.
    expect(withSuffix('$&'.repeat(990))).toEqual([
      'button 0 (URL) URL is 2008 characters once filled; Meta allows at most 2000',
    ]);
    expect(withSuffix('x'.repeat(1990))).toEqual([
      'button 0 (URL) URL is 2018 characters once filled; Meta allows at most 2000',
    ]);
  });
});

describe('video header (product_launch_video)', () => {
  it('builds the video header; the static URL button needs nothing', () => {
    const result = buildTemplateComponents(video, [
      { type: 'header', media: { type: 'video', link: 'https://cdn.soundhaus.in/launch/aero-x2.mp4' } },
      { type: 'body', values: ['Aero X2 headphones'] },
    ]);
    expect(result).toEqual({
      ok: true,
      components: [
        {
          type: 'header',
          parameters: [{ type: 'video', video: { link: 'https://cdn.soundhaus.in/launch/aero-x2.mp4' } }],
        },
        { type: 'body', parameters: [{ type: 'text', text: 'Aero X2 headphones' }] },
      ],
    });
  });

  it('rejects an image for a video header', () => {
    const result = buildTemplateComponents(video, [
      { type: 'header', media: { type: 'image', link: 'https://cdn.soundhaus.in/a.jpg' } },
      { type: 'body', values: ['Aero X2 headphones'] },
    ]);
    expect(errorsOf(result)).toEqual(['header expects a video (template header format VIDEO), got an image']);
  });
});

describe('document header (invoice_ready)', () => {
  it('builds the document header with its filename', () => {
    const result = buildTemplateComponents(invoice, [
      {
        type: 'header',
        media: {
          type: 'document',
          link: 'https://billing.ravitraders.in/inv/2026-0042.pdf',
          filename: 'INV-2026-0042.pdf',
        },
      },
      invoiceBody,
    ]);
    expect(result).toEqual({
      ok: true,
      components: [
        {
          type: 'header',
          parameters: [
            {
              type: 'document',
              document: { link: 'https://billing.ravitraders.in/inv/2026-0042.pdf', filename: 'INV-2026-0042.pdf' },
            },
          ],
        },
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Ravi Traders' },
            { type: 'text', text: 'INV-2026-0042' },
          ],
        },
      ],
    });
  });

  it('takes a media id without a filename, and rejects an empty filename', () => {
    const byId = buildTemplateComponents(invoice, [
      { type: 'header', media: { type: 'document', id: '904718273645102' } },
      invoiceBody,
    ]);
    expect(byId.ok && byId.components[0]).toEqual({
      type: 'header',
      parameters: [{ type: 'document', document: { id: '904718273645102' } }],
    });
    const emptyName = buildTemplateComponents(invoice, [
      { type: 'header', media: { type: 'document', id: '904718273645102', filename: ' ' } },
      invoiceBody,
    ]);
    expect(errorsOf(emptyName)).toEqual(['header document filename is empty']);
  });
});

describe('location header (store_pickup_location)', () => {
  it('builds the location header', () => {
    const result = buildTemplateComponents(pickup, [
      {
        type: 'header',
        location: {
          latitude: 19.0728,
          longitude: 72.8826,
          name: 'Kirana Cart Kurla',
          address: 'LBS Marg, Kurla West, Mumbai 400070',
        },
      },
      pickupBody,
    ]);
    expect(result).toEqual({
      ok: true,
      components: [
        {
          type: 'header',
          parameters: [
            {
              type: 'location',
              location: {
                latitude: 19.0728,
                longitude: 72.8826,
                name: 'Kirana Cart Kurla',
                address: 'LBS Marg, Kurla West, Mumbai 400070',
              },
            },
          ],
        },
        { type: 'body', parameters: [{ type: 'text', text: 'ORD-88102' }] },
      ],
    });
  });

  it('needs only the coordinates', () => {
    const result = buildTemplateComponents(pickup, [
      { type: 'header', location: { latitude: 19.0728, longitude: 72.8826 } },
      pickupBody,
    ]);
    expect(result.ok && result.components[0]).toEqual({
      type: 'header',
      parameters: [{ type: 'location', location: { latitude: 19.0728, longitude: 72.8826 } }],
    });
  });

  it('requires a location, and no empty name', () => {
    expect(errorsOf(buildTemplateComponents(pickup, [pickupBody]))).toEqual([
      'header expects a location (template header format LOCATION), got none',
    ]);
    const image = buildTemplateComponents(pickup, [
      { type: 'header', media: { type: 'image', link: 'https://cdn.kiranacart.in/map.png' } },
      pickupBody,
    ]);
    expect(errorsOf(image)).toEqual(['header expects a location (template header format LOCATION), got an image']);
    const emptyName = buildTemplateComponents(pickup, [
      { type: 'header', location: { latitude: 19.0728, longitude: 72.8826, name: '' } },
      pickupBody,
    ]);
    expect(errorsOf(emptyName)).toEqual(['header location name is empty; leave it out instead']);
  });
});
