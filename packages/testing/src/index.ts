export * from './database';
export * from './stack';
export * from './demo';
export * from './wait';
export * from './messages';
export * from './wallet';
export * from './meta-webhooks';
export * from './processes';
