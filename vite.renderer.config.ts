import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, type Plugin, type UserConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { rendererInputsHash, STAMP } from './scripts/renderer-inputs.ts';

/** Records what the bundle was built from, so `npm run serve` rebuilds only when that changed. */
const stampInputs = (): Plugin => {
  const hash = rendererInputsHash(import.meta.dirname);
  return {
    name: 'jobdeck-stamp-inputs',
    apply: 'build',
    closeBundle() {
      writeFileSync(resolve(import.meta.dirname, STAMP), hash);
    },
  };
};

/**
 * The renderer's build, shared by the desktop app (electron.vite.config.ts) and web mode (`npm run
 * build:renderer`): both load the same files from out/renderer.
 */
export const rendererConfig: UserConfig = {
  root: resolve(import.meta.dirname, 'src/renderer'),
  base: './',
  plugins: [react(), stampInputs()],
  build: {
    // electron-vite leaves the renderer unminified by default (2.4 MB of script to parse on every load); minified,
    // the desktop app and web mode load the same smaller files.
    minify: true,
    outDir: resolve(import.meta.dirname, 'out/renderer'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
};

export default defineConfig(rendererConfig);
