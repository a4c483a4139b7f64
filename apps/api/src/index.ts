export * from './app';
export * from './context';
