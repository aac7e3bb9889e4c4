export { createEngine, callOperation, type Engine } from './engine.ts';
export type { EngineOptions, StartOptions } from './core.ts';
export type { SecretStore } from './secrets.ts';
export { StoreMigrationError } from './store/db.ts';
