import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startStack, type TestStack } from '@dak/dev-env';

// Rotating Meta's app secret: while META_APP_SECRETS lists the new and the old one, a webhook
// signed with either is stored; one signed with any other secret is refused and leaves nothing.
describe('app secret rotation', () => {
  const oldSecret = randomBytes(16).toString('hex');
  const newSecret = randomBytes(16).toString('hex');
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack({
      worker: false,
      env: { META_APP_SECRET: '', META_APP_SECRETS: `${newSecret},${oldSecret}` },
    });
  });
  afterAll(() => stack?.close());

  function postStatus(wamid: string, secret: string) {
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: DEMO.wabaId,
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: DEMO.displayPhoneNumber, phone_number_id: DEMO.metaPhoneNumberId },
                statuses: [{ id: wamid, recipient_id: DEMO.recipient, status: 'delivered', timestamp: '1764198100' }],
              },
            },
          ],
        },
      ],
    });
    const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    return fetch(`${stack.webhooks.url}/webhooks/meta`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      body,
    });
  }

  const storedWamids = async () =>
    (await stack.api.ctx.db.selectFrom('message_events').select('wamid').orderBy('wamid').execute()).map(
      (event) => event.wamid,
    );

  it('accepts a webhook signed with the new secret and one signed with the old', async () => {
    expect(stack.config.meta.appSecrets).toEqual([newSecret, oldSecret]);
    const signedNew = await postStatus('wamid.signed-with-new', newSecret);
    const signedOld = await postStatus('wamid.signed-with-old', oldSecret);
    expect([signedNew.status, signedOld.status]).toEqual([200, 200]);
    expect(await storedWamids()).toEqual(['wamid.signed-with-new', 'wamid.signed-with-old']);
  });

  it('refuses a webhook signed with a third secret with 401 and stores nothing', async () => {
    const before = await storedWamids();
    const forged = await postStatus('wamid.signed-with-another', randomBytes(16).toString('hex'));
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({
      success: false,
      error: { code: 'invalid_signature', message: expect.stringContaining('X-Hub-Signature-256') },
    });
    expect(await storedWamids()).toEqual(before);
    expect(before).not.toContain('wamid.signed-with-another');
  });
});
