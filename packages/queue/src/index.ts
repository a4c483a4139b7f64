export * from './jobs';
export * from './retry-policy';
export * from './connection';
export * from './rate-limiter';
export * from './request-limiter';
