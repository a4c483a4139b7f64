export * from './app';
export * from './context';
export { evaluateStaleEvents, startAutomationRecovery } from './resources/automations/recovery';
