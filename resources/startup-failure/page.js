// Fills the start-up failure page from its URL query (src/main/startup-failure.ts builds it). Text only, never HTML.
const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);

function show(failure) {
  document.title = failure.title;
  byTestId('failure-title').textContent = failure.title;
  byTestId('failure-summary').textContent = failure.summary;
  byTestId('failure-details').replaceChildren(
    ...failure.details.map((line) => {
      const item = document.createElement('li');
      item.textContent = line;
      return item;
    }),
  );
  byTestId('failure-error').textContent = failure.error;
  byTestId('failure-reveal').hidden = !failure.canReveal;
}

try {
  show(JSON.parse(new URLSearchParams(location.search).get('failure') ?? 'null'));
} catch {
  byTestId('failure-summary').textContent = 'Jobdeck could not say why: see the terminal it was started from.';
}
document.documentElement.dataset.pageState = 'ready';
