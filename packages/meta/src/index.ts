export * from './graph-client';
export * from './meta-errors';
export * from './send-body';
export * from './template-list';
export * from './webhook-events';
export * from './webhook-provenance';
export * from './webhook-schema';
export * from './send-retry';
