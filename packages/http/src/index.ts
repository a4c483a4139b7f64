export * from './logger';
export * from './errors';
export * from './health';
export * from './server';
export * from './metrics';
export * from './shutdown';
export * from './json-body';
export * from './security';
