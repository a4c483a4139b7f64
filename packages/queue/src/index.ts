export * from './jobs';
export * from './connection';
export * from './dispatch-state';
export * from './request-limiter';
export * from './wake-callbacks';
