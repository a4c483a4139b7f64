import express from 'express';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DakError } from '@dak/core';
import { listen } from '@dak/http';
import type { ApiContext } from '../src/context';
import { checkedAnswer, defineRoute } from '../src/http/route';

// Under NODE_ENV=test every route's answer goes through checkedAnswer, so the whole suite checks
// the OpenAPI document. Here: that it does catch each kind of drift.
describe('checkedAnswer', () => {
  const spec = {
    method: 'get' as const,
    path: '/things/:id',
    auth: 'api_key' as const,
    operationId: 'getThing',
    summary: 'A thing',
    responses: { 200: { description: 'The thing', schema: z.object({ id: z.string(), size: z.number().int() }) } },
    errors: ['template_not_found' as const],
  };
  // The same spec a route is defined with: it must type-check as one.
  defineRoute(spec);

  it('lets a documented answer through, and a documented error', async () => {
    const answer = { status: 200 as const, body: { id: 'th_1', size: 3 } };
    expect(await checkedAnswer(spec, async () => answer)).toBe(answer);
    const documented = new DakError('template_not_found', 'no such template');
    await expect(checkedAnswer(spec, () => Promise.reject(documented))).rejects.toBe(documented);
    // Codes the auth adds are documented too.
    const limited = new DakError('rate_limited', 'slow down');
    await expect(checkedAnswer(spec, () => Promise.reject(limited))).rejects.toBe(limited);
  });

  it('refuses a field the schema does not document, a body it refuses, a status or code it does not list', async () => {
    await expect(
      checkedAnswer(spec, async () => ({ status: 200 as const, body: { id: 'th_1', size: 3, secret: 'x' } as never })),
    ).rejects.toThrow(/getThing answered fields its schema does not document: .*secret/);
    await expect(
      checkedAnswer(spec, async () => ({ status: 200 as const, body: { id: 'th_1', size: 1.5 } })),
    ).rejects.toThrow(/getThing answered a body its schema refuses: .*size/s);
    await expect(
      checkedAnswer(spec, async () => ({ status: 201 as never, body: { id: 'th_1', size: 3 } })),
    ).rejects.toThrow(/getThing answered the undocumented status 201/);
    await expect(
      checkedAnswer(spec, () => Promise.reject(new DakError('wallet_not_found', 'no wallet'))),
    ).rejects.toThrow(/getThing answered the undocumented error code wallet_not_found/);
  });

  it('is on for a mounted route under NODE_ENV=test, and off in production', async () => {
    const leaky = defineRoute({ ...spec, auth: 'admin' }).handle(async () => ({
      status: 200,
      body: { id: 'th_1', size: 3, secret: 'x' } as never,
    }));
    const answerIn = async (env: 'test' | 'production') => {
      const app = express();
      const router = express.Router();
      // Only the config's env is read when mounting a JSON route.
      leaky.mount(router, { config: { env } } as unknown as ApiContext);
      app.use(router);
      const server = await listen(app, 0);
      try {
        return (await fetch(`${server.url}/things/th_1`)).status;
      } finally {
        await server.close();
      }
    };
    expect(await answerIn('test')).toBe(500);
    expect(await answerIn('production')).toBe(200);
  });
});
