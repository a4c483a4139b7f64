import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptSecret } from '@dak/core';
import {
  createDatabase,
  insertAccount,
  insertPhoneNumber,
  syncAccountTemplates,
  type Database,
  type TemplateLister,
} from '@dak/db';
import { GraphClient, fetchTemplateList } from '@dak/meta';
import { createTestDatabase, type TestDatabase } from '@dak/dev-env';

interface Seen {
  path: string;
  authorization: string | undefined;
}

/** A tiny HTTP server that records what reaches it and answers with `answer(path)`. */
async function server(answer: (path: string, self: string) => unknown) {
  const seen: Seen[] = [];
  const srv = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer(req.url ?? '', url)));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => srv.close(() => resolve())) };
}

const template = (id: string, name: string) => ({
  id,
  name,
  language: 'en_US',
  status: 'APPROVED',
  category: 'UTILITY',
  components: [{ type: 'BODY', text: 'Hi' }],
});

// Every page of a template list is fetched with the WABA's access token: a `paging.next` that
// leaves the Graph API's origin would hand the token to whoever it names.
describe("template sync follows paging.next only on the Graph API's own origin", () => {
  let foreign: Awaited<ReturnType<typeof server>>;
  let graph: Awaited<ReturnType<typeof server>>;
  let database: TestDatabase;
  let db: Database;
  const key = Buffer.alloc(32, 7);
  const token = 'EAAG-the-wabas-own-token';

  beforeAll(async () => {
    foreign = await server(() => ({ data: [template('990000000000009', 'stolen')] }));
    graph = await server((path, self) => {
      if (path.includes('/111000111000/'))
        return {
          data: [template('990000000000001', 'first')],
          paging: { next: `${foreign.url}/v23.0/111000111000/message_templates?after=x` },
        };
      // A list on two pages of the Graph API itself.
      if (path.includes('after=p2')) return { data: [template('990000000000003', 'third')] };
      return {
        data: [template('990000000000002', 'second')],
        paging: { next: `${self}/v23.0/222000222000/message_templates?after=p2` },
      };
    });
    database = await createTestDatabase();
    db = createDatabase({ url: database.url, poolSize: 2 });
    for (const [id, waba] of [
      ['acc_paging_foreign', '111000111000'],
      ['acc_paging_own', '222000222000'],
    ] as const) {
      await insertAccount(db, { id, name: id, waba_id: waba, currency: 'INR', price_minor: 10, category_prices: {} });
      await insertPhoneNumber(db, {
        id: `pn_${id}`,
        account_id: id,
        meta_phone_number_id: waba === '111000111000' ? '106540352241111' : '106540352242222',
        display_phone_number: '15550781111',
        access_token_encrypted: encryptSecret(token, key),
        mps: 80,
      });
    }
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
    await foreign?.close();
    await graph?.close();
  });

  const client = (): TemplateLister => (wabaId, accessToken) =>
    fetchTemplateList(new GraphClient({ baseUrl: graph.url, version: 'v23.0', timeoutMs: 5_000 }), wabaId, accessToken);

  it('a next page on another origin stops the sync with an error that says so; nothing is sent there or stored', async () => {
    await expect(syncAccountTemplates(db, client(), key, 'acc_paging_foreign')).rejects.toMatchObject({
      status: 400,
      code: 'foreign_next_page',
      message: expect.stringContaining(`pointed its next page at ${foreign.url}, not at the Graph API (${graph.url})`),
    });
    expect(foreign.seen).toEqual([]);
    expect(graph.seen).toEqual([expect.objectContaining({ authorization: `Bearer ${token}` })]);
    expect(
      await db.selectFrom('templates').select('id').where('account_id', '=', 'acc_paging_foreign').execute(),
    ).toEqual([]);
  });

  it('next pages on the Graph API itself are followed', async () => {
    expect(await syncAccountTemplates(db, client(), key, 'acc_paging_own')).toEqual({ synced: 2, deleted: 0 });
    const names = await db
      .selectFrom('templates')
      .select('name')
      .where('account_id', '=', 'acc_paging_own')
      .orderBy('name')
      .execute();
    expect(names.map((t) => t.name)).toEqual(['second', 'third']);
    expect(foreign.seen).toEqual([]);
  });
});
