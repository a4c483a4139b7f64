export * from './context';
export * from './worker';
export * from './sweeper';
export * from './dispatch/admitter';
export * from './dispatch/send-job';
export * from './retention';
export * from './schedules';
