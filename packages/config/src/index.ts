export * from './env';
export * from './dak';
export * from './meta-sim';
