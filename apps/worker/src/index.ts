export * from './context';
export * from './worker';
export * from './sweeper';
export * from './send-processor';
export * from './retention';
