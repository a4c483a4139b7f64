export * from './graph-client';
export * from './webhook-events';
