export * from './app';
export * from './context';
export * from './event-applier';
export * from './apply-events';
