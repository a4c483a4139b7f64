export * from './ids';
export * from './phone';
export * from './status';
export * from './money';
export * from './errors';
export * from './secrets';
export * from './meta-errors';
export * from './templates/index';
