declare const __JOBDECK_VERSION__: string | undefined;

/** The companion's version: injected by scripts/build-worker.mjs; 'dev' when run from source. */
export const COMPANION_VERSION: string = typeof __JOBDECK_VERSION__ === 'string' ? __JOBDECK_VERSION__ : 'dev';
