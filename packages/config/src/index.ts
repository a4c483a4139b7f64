export * from './env';
export * from './dak';
export * from './meta-sim';
export * from './cli';
