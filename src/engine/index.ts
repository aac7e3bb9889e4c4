export { createEngine, type Engine, type EngineOptions, type EngineParts, type StartOptions } from './engine.ts';
export type { SecretStore } from './secrets.ts';
export { StoreMigrationError } from './store/db.ts';
