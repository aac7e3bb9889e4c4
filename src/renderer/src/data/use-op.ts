import {
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type InfiniteData,
  type UseInfiniteQueryOptions,
  type UseInfiniteQueryResult,
  type UseMutationOptions,
  type UseMutationResult,
  type UseQueryOptions,
  type UseQueryResult,
} from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { OpInput, OpName, OpOutput } from '../../../shared/contract/index.ts';
import type { EngineStatus } from '../../../shared/model/status.ts';
import { opKey, type OpKey } from './op-key.ts';
import { afterWrite } from './writes.ts';

export type OpQueryOptions<N extends OpName, TData = OpOutput<N>> = Omit<
  UseQueryOptions<OpOutput<N>, Error, TData, OpKey<N>>,
  'queryKey' | 'queryFn'
>;

/**
 * One operation's answer from the shared cache, keyed `[name, input]`: views that ask the same share one call,
 * and writes and events make it stale (writes.ts, engine-events.tsx). Failures are ApiError.
 */
export function useOp<N extends OpName, TData = OpOutput<N>>(
  name: N,
  input: OpInput<N>,
  options?: OpQueryOptions<N, TData>,
): UseQueryResult<TData, Error> {
  return useQuery<OpOutput<N>, Error, TData, OpKey<N>>({ ...options, queryKey: opKey(name, input) });
}

export interface Paging<N extends OpName, C> {
  /** The input fields that ask for the page after `cursor`. */
  after: (cursor: C) => Partial<OpInput<N>>;
  /** The cursor of the page after this one, or null at the end. */
  next: (page: OpOutput<N>) => C | null;
}

export type OpPagesOptions<N extends OpName, C> = Pick<
  UseInfiniteQueryOptions<OpOutput<N>, Error, InfiniteData<OpOutput<N>, C | null>, OpKey<N>, C | null>,
  'meta' | 'placeholderData' | 'enabled'
>;

/**
 * A keyset-paged list (jobs, failed attempts, audit): keyed `[name, input]` like any query, the pages after the
 * first asked with `paging.after(cursor)` added to the input. Made stale like the rest; re-reading it re-reads
 * the pages loaded so far.
 */
export function useOpPages<N extends OpName, C>(
  name: N,
  input: OpInput<N>,
  paging: Paging<N, C>,
  options?: OpPagesOptions<N, C>,
): UseInfiniteQueryResult<InfiniteData<OpOutput<N>, C | null>, Error> {
  return useInfiniteQuery<OpOutput<N>, Error, InfiniteData<OpOutput<N>, C | null>, OpKey<N>, C | null>({
    ...options,
    queryKey: opKey(name, input),
    queryFn: ({ pageParam }) => api.call(name, { ...input, ...(pageParam === null ? {} : paging.after(pageParam as C)) }),
    initialPageParam: null,
    getNextPageParam: paging.next,
  });
}

export type OpMutationOptions<N extends OpName> = Omit<UseMutationOptions<OpOutput<N>, Error, OpInput<N>>, 'mutationFn'>;

/**
 * A write: calls the operation, then makes stale what it changed (writes.ts) before `onSuccess` runs, so a
 * view that reads right after sees the change.
 */
export function useOpMutation<N extends OpName>(
  name: N,
  options?: OpMutationOptions<N>,
): UseMutationResult<OpOutput<N>, Error, OpInput<N>> {
  const client = useQueryClient();
  return useMutation<OpOutput<N>, Error, OpInput<N>>({
    ...options,
    mutationFn: (input) => api.call(name, input),
    onSuccess: async (output, ...rest) => {
      await afterWrite(client, name, output);
      return options?.onSuccess?.(output, ...rest);
    },
  });
}

/** A part of the engine's status (pushed, see engine-events.tsx); undefined until the first status is in. */
export function useStatus<T>(select: (status: EngineStatus) => T): T | undefined {
  return useOp('app.status', {}, { select }).data;
}
