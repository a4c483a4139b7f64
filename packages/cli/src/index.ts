export * from './admin-client';
export { buildProgram, runCli, type CliIo } from './program';
