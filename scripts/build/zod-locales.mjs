// zod's locales as the server bundle has them: English alone (zod's default, and the only one Jobdeck uses). See
// `zodEnglishOnly` in scripts/serve.mjs.
export { default as en } from 'zod/v4/locales/en.js';
