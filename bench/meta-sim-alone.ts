// The baseline of the process scenarios' pipelines: meta-sim alone taking the same template
// sends straight from the load driver, with its status webhooks paused meanwhile (they would
// reach Dak's receiver for messages Dak never sent).
import { buildTemplateSendBody } from '@dak/meta';
import { TEMPLATE, recipient } from './env';
import { HttpClient, runLanes, type RunFigures } from './load';

export async function metaSimAlone(
  metaSimUrl: string,
  accessToken: string,
  phoneNumbers: string[],
  sends: { count: number; concurrency: number },
): Promise<RunFigures> {
  const webhookConfig = (await (await fetch(`${metaSimUrl}/_sim/webhook-config`)).json()) as { url: string | null };
  await fetch(`${metaSimUrl}/_sim/webhook-config`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: null }),
  });
  const client = new HttpClient(sends.concurrency);
  try {
    const headers = { authorization: `Bearer ${accessToken}` };
    return await runLanes(sends.count, sends.concurrency, async (i) => {
      const body = buildTemplateSendBody({
        id: `msg_sim_${i}`,
        recipient: recipient(i),
        template_name: TEMPLATE.name,
        template_language: TEMPLATE.language,
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: `Customer ${i}` },
              { type: 'text', text: `ORD-${i}` },
            ],
          },
        ],
      });
      const answer = await client.post(
        `${metaSimUrl}/v23.0/${phoneNumbers[i % phoneNumbers.length]!}/messages`,
        JSON.stringify(body),
        headers,
      );
      return `HTTP ${answer.status}`;
    });
  } finally {
    client.close();
    await fetch(`${metaSimUrl}/_sim/webhook-config`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: webhookConfig.url }),
    });
  }
}
