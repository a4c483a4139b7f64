export * from './jobs';
export * from './connection';
export * from './rate-limiter';
export * from './request-limiter';
