import type { JobdeckEvent } from './events.ts';
import type { OpResult } from './op-error.ts';
import type { OpInput, OpName, OpOutput } from './index.ts';

type DomainOf<N> = N extends `${infer D}.${string}` ? D : never;
type MethodOf<N, D extends string> = N extends `${D}.${infer M}` ? M : never;

type BridgeMethod<N> = N extends OpName ? (input: OpInput<N>) => Promise<OpResult<OpOutput<N>>> : never;

/**
 * What the preload exposes as `window.jobdeck`: one method per operation, grouped by domain
 * (`jobdeck.connections.test(input)`), plus a subscription to pushed events that returns its unsubscribe.
 */
export type JobdeckBridge = {
  [D in DomainOf<OpName>]: {
    [M in MethodOf<OpName, D>]: BridgeMethod<`${D}.${M}`>;
  };
} & {
  onEvent(listener: (event: JobdeckEvent) => void): () => void;
};
