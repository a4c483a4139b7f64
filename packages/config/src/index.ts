export * from './env';
export * from './dak';
