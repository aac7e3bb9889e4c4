import type { OpName, OpOutput, OpParsed } from '../../shared/contract/index.ts';
import type { EngineCore } from '../core.ts';

/** Implements one operation; its input is already validated against the contract's schema. */
export type Handler<N extends OpName> = (input: OpParsed<N>, core: EngineCore) => Promise<OpOutput<N>> | OpOutput<N>;

export type Handlers = { [N in OpName]: Handler<N> };
export type HandlersOf<K extends OpName> = { [N in K]: Handler<N> };
