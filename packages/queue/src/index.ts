export * from './jobs';
export * from './retry-policy';
export * from './connection';
export * from './dispatch-state';
export * from './request-limiter';
