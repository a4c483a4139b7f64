export * from './formats';
export * from './json-path';
export * from './mapping';
export * from './render';
