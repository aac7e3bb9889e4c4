import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { OpInput, OpName, OpOutput } from '../../../../shared/contract/index.ts';
import type { BulkActionReport } from '../../../../shared/model/jobs.ts';
import { useActionProgress, type ActionProgress } from '../../data/action-progress.ts';
import { afterWrite } from '../../data/writes.ts';

/** The operations that act on many jobs: each takes an `actionId`, emits progress under it and answers a BulkActionReport. */
export type BulkOpName = { [N in OpName]: OpOutput<N> extends BulkActionReport ? N : never }[OpName];

/** One of them with its input. */
export type BulkCall = { [N in BulkOpName]: { name: N; input: OpInput<N> } }[BulkOpName];

function callBulk<N extends BulkOpName>(call: { name: N; input: OpInput<N> }): Promise<BulkActionReport> {
  // Every BulkOpName answers a BulkActionReport (that is how the type picks them).
  return api.call(call.name, call.input) as Promise<BulkActionReport>;
}

/** A fresh id to match progress events to this call. */
export function newActionId(): string {
  return `a${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}

export interface BulkAction {
  /** Runs the call `make` returns for a fresh action id. */
  start(make: (actionId: string) => BulkCall): void;
  /** The latest progress event of the running action. */
  progress: ActionProgress | null;
  phase: 'idle' | 'running' | 'done' | 'failed';
  report: BulkActionReport | null;
  error: Error | null;
}

/**
 * An action on many jobs (the Jobs view's and the Stuck view's): its progress from the engine's events, its
 * report, and the views behind made stale when it is done (data/writes.ts).
 */
export function useBulkAction(): BulkAction {
  const client = useQueryClient();
  const [actionId, setActionId] = useState<string | null>(null);
  const progress = useActionProgress(actionId);
  const mutation = useMutation<BulkActionReport, Error, BulkCall>({
    mutationFn: callBulk,
    // Not awaited: the report shows at once, the views behind refresh as their answers come.
    onSuccess: (report, call) => void afterWrite(client, call.name, report),
  });
  const phases = { idle: 'idle', pending: 'running', success: 'done', error: 'failed' } as const;
  return {
    start(make) {
      const id = newActionId();
      setActionId(id);
      mutation.mutate(make(id));
    },
    progress,
    phase: phases[mutation.status],
    report: mutation.data ?? null,
    error: mutation.error,
  };
}
