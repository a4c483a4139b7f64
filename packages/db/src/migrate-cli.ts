import { loadConfig } from '@dak/config';
import { createDatabase, ensureDatabaseExists, migrateToLatest } from './database';

const config = loadConfig();
if (await ensureDatabaseExists(config.db.url))
  console.log(`created database ${new URL(config.db.url).pathname.slice(1)}`);
const db = createDatabase({ url: config.db.url, poolSize: 1, applicationName: 'dak-migrate' });
try {
  const { results = [] } = await migrateToLatest(db);
  for (const r of results) console.log(`${r.status}: ${r.migrationName}`);
  if (results.length === 0) console.log('database is up to date');
} finally {
  await db.destroy();
}
