import { create } from 'zustand';
import { errorMessage } from '../api/client.ts';

export interface Toast {
  id: number;
  kind: 'error' | 'warning' | 'info';
  title: string;
  message: string;
}

interface ToastState {
  toasts: Toast[];
  push: (kind: Toast['kind'], title: string, message: string) => void;
  dismiss: (id: number) => void;
}

let nextId = 1;

/** An operation's failure as an error toast, with the engine's reference when it gave one. */
export function toastError(title: string, error: unknown): void {
  useToasts.getState().push('error', title, errorMessage(error));
}

/** Short-lived notices for actions that fail or finish away from a form (runner, demo, schema). */
export const useToasts = create<ToastState>()((set, get) => ({
  toasts: [],
  push(kind, title, message) {
    const id = nextId++;
    set({ toasts: [...get().toasts.slice(-3), { id, kind, title, message }] });
    setTimeout(() => get().dismiss(id), kind === 'info' ? 5_000 : 10_000);
  },
  dismiss: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
}));
