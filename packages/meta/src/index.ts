export * from './graph-client';
export * from './template-sync';
export * from './webhook-events';
export * from './webhook-provenance';
