/* global window, document */
// Runs before the first paint (a classic script in <head>; the CSP allows only scripts from 'self'): sets
// <html data-theme> from the saved choice, or from the system's preference, so a light page never flashes dark.
// src/renderer/src/theme.ts keeps it current afterwards and owns the storage key.
(function () {
  var saved = null;
  try {
    saved = window.localStorage.getItem('jobdeck.theme');
  } catch (_error) {
    // storage refused: the system decides
  }
  var choice = saved === 'light' || saved === 'dark' ? saved : 'system';
  var light = choice === 'light' || (choice === 'system' && window.matchMedia('(prefers-color-scheme: light)').matches);
  document.documentElement.dataset.theme = light ? 'light' : 'dark';
  document.documentElement.dataset.themeChoice = choice;
})();
