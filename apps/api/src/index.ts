export * from './app';
export * from './context';
export { evaluateStaleEvents, startAutomationRecovery } from './resources/automations/recovery';
export { evaluateEvent } from './resources/automations/evaluate';
export { pruneKeptMedia, startMediaRetention } from './resources/media/retention';
