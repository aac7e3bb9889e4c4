/**
 * A refused input as an operator reads it in a form. The engine's message names the operation and the field by its
 * path, zero-based (`Invalid input for alerts.rules.set: rules.1.abovePercent: a share cannot exceed 100%`): right
 * for an API caller, a riddle on screen. Here the operation goes, and the path reads as words counted from 1
 * (`Rule 2, above percent: a share cannot exceed 100%`).
 */
export function readableInputMessage(message: string): string {
  const body = message.replace(/^Invalid input for [\w.]+: /, '');
  if (body === message) return message;
  const said = body
    .split('; ')
    .map((issue) => {
      const cut = issue.indexOf(': ');
      if (cut < 0) return issue;
      const path = issue.slice(0, cut);
      // Typed into a text field, every value is text: "not a string" would tell the operator nothing.
      const problem = issue.slice(cut + 2).replace(/^must be (a|an) (number|integer|boolean), not a string$/, 'must be $1 $2');
      return /^[\w.]+$/.test(path) && path !== 'input' ? `${pathWords(path)}: ${problem}` : issue;
    })
    .join('; ');
  return said.charAt(0).toUpperCase() + said.slice(1);
}

function pathWords(path: string): string {
  const parts = path.split('.');
  const words: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const next = parts[i + 1];
    if (next !== undefined && /^\d+$/.test(next)) {
      words.push(`${singular(spaced(part))} ${Number(next) + 1}`);
      i++;
    } else if (/^\d+$/.test(part)) {
      words.push(`item ${Number(part) + 1}`);
    } else {
      words.push(fieldLabel(part));
    }
  }
  return words.join(', ');
}

/**
 * Fields named as their forms label them (the alert rule's figures, the price table's columns), where the name
 * spaced out reads otherwise ("above percent" beside a field labelled "Above (%)").
 */
const FIELD_LABELS: Record<string, string> = {
  abovePercent: 'above (%)',
  forMinutes: 'for (minutes)',
  windowMinutes: 'window (minutes)',
  minAttempts: 'at least (attempts)',
  olderThanMinutes: 'older than (minutes)',
  atLeast: 'at least (jobs)',
  budgetUsd: 'budget (USD)',
  quietMinutes: 'quiet period (minutes)',
  inputPerMillion: 'input (USD per million tokens)',
  cachedInputPerMillion: 'cached input (USD per million tokens)',
  outputPerMillion: 'output (USD per million tokens)',
  validFrom: 'valid from',
};

/** A field of an operation's input as its form labels it, else its name spaced out. */
export const fieldLabel = (name: string): string => FIELD_LABELS[name] ?? spaced(name);

/** `abovePercent` -> `above percent`. */
const spaced = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();

/** `rules` -> `rule`, `entries` -> `entry`. */
export const singular = (words: string) => words.replace(/ies$/, 'y').replace(/([^s])s$/, '$1');
