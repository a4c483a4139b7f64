import { afterAll } from 'vitest';
import { Redis } from 'ioredis';
import { testRedisUrl, uniquePrefix } from './database';

export interface TestRedis {
  /** A key prefix of this file's own, so files and tests never share a schedule. */
  readonly prefix: string;
  /** A new connection to the run's Redis (callers that share nothing but Redis); closed after the file. */
  connect(): Redis;
}

/** For a file of tests on Redis: connections made on demand; after the file, its keys deleted and the connections closed. */
export function useTestRedis(label: string): TestRedis {
  const prefix = uniquePrefix(label);
  const connections: Redis[] = [];
  afterAll(async () => {
    const [first] = connections;
    if (first) {
      const keys = await first.keys(`${prefix}:*`);
      if (keys.length > 0) await first.del(...keys);
    }
    await Promise.all(connections.map((redis) => redis.quit()));
  });
  return {
    prefix,
    connect() {
      const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
      connections.push(redis);
      return redis;
    },
  };
}
