import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { rendererConfig } from './vite.renderer.config.ts';

export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(import.meta.dirname, 'src/main/index.ts'),
          // The demo's separate worker process (src/engine/demo/worker-child.ts starts it from next to the bundle).
          'demo-worker': resolve(import.meta.dirname, 'src/engine/demo/worker-process.ts'),
          // The hosted runner's thread (src/engine/runner/thread/runner-thread.ts starts it from next to the bundle).
          'runner-thread': resolve(import.meta.dirname, 'src/engine/runner/thread/entry.ts'),
        },
      },
    },
  },
  preload: {
    // A sandboxed preload cannot load ES modules or node_modules: one self-contained CommonJS file.
    build: {
      // Bundle zod and the contract in: a sandboxed preload can require nothing but electron.
      externalizeDeps: false,
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: rendererConfig,
});
