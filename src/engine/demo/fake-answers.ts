/**
 * What the simulated model "writes": field values derived from the prompt text, so the same input always gets
 * the same plausible answer (a hash of the text picks enums and numbers; words and sentences come from the text).
 */

const STOPWORDS = new Set(
  "about above after again against also among because been before being below between both could does doing down during each from further have having here into itself just more most once only other over same should some such than that their them then there these they this those through under until very were what when where which while will with would your said says its it's the and for are but not you all any can had her was one our out has his how who new now".split(
    ' ',
  ),
);
const SKILLS = [
  'typescript',
  'python',
  'postgres',
  'sql',
  'react',
  'kubernetes',
  'aws',
  'go',
  'rust',
  'java',
  'docker',
  'terraform',
  'graphql',
  'kafka',
  'figma',
  'excel',
  'salesforce',
];
const CATEGORIES = ['engineering', 'data', 'product', 'design', 'operations', 'sales', 'finance', 'marketing'];
const POSITIVE = /\b(growth|record|wins?|launch(es|ed)?|raises?|surge[sd]?|beats?|approv\w*|expands?|gains?|improv\w*|profit\w*)\b/gi;
const NEGATIVE = /\b(loss(es)?|layoffs?|cuts?|fall(s|en)?|drops?|outage|breach|lawsuit|recall\w*|delay\w*|declin\w*|fine[sd]?|fraud)\b/gi;

/** FNV-1a: a small stable hash, so answers are a pure function of the text. */
export function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).replace(/\s+\S*$/, '')}…`;
}

/** The most frequent meaningful words, in order of first appearance among ties. */
function topWords(text: string, count: number): string[] {
  const freq = new Map<string, number>();
  for (const word of text.toLowerCase().match(/[a-z][a-z-]{3,}/g) ?? []) {
    if (!STOPWORDS.has(word)) freq.set(word, (freq.get(word) ?? 0) + 1);
  }
  return [...freq.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([word]) => word);
}

function sentiment(text: string): string {
  const score = (text.match(POSITIVE)?.length ?? 0) - (text.match(NEGATIVE)?.length ?? 0);
  return score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral';
}

function valueFor(field: string, text: string): unknown {
  const name = field.toLowerCase();
  const h = hashText(`${name}:${text}`);
  const first = sentences(text)[0] ?? text;
  if (/summary|headline|abstract|tldr|description/.test(name)) return clip(first, 160);
  if (/sentiment|tone/.test(name)) return sentiment(text);
  if (/skills/.test(name)) {
    const found = SKILLS.filter((skill) => new RegExp(`\\b${skill}\\b`, 'i').test(text));
    return found.length > 0 ? found.slice(0, 5) : topWords(text, 3);
  }
  if (/key_?points|highlights|bullets/.test(name))
    return sentences(text)
      .slice(0, 3)
      .map((s) => clip(s, 100));
  if (/topics|keywords|tags|entities|categories|themes/.test(name)) return topWords(text, 4);
  if (/confidence|probability/.test(name)) return Math.round((0.55 + (h % 45) / 100) * 100) / 100;
  if (/importance|score|rating|priority|severity|impact/.test(name)) return 1 + (h % 5);
  if (/remote/.test(name)) return /\bremote\b/i.test(text);
  if (/^(is|has)_/.test(name)) return h % 2 === 0;
  if (/seniority|level/.test(name)) {
    if (/\b(senior|staff|lead|principal)\b/i.test(text)) return 'senior';
    return /\b(junior|intern|graduate|entry)\b/i.test(text) ? 'junior' : 'mid';
  }
  if (/category|industry|sector|department|type/.test(name)) return CATEGORIES[h % CATEGORIES.length];
  if (/language|lang/.test(name)) return 'en';
  if (/title|name/.test(name)) return clip(first.replace(/[.!?]$/, ''), 80);
  if (/count|number|years/.test(name)) return h % 10;
  return topWords(text, 3).join(' ') || clip(first, 80);
}

/** A JSON object with one plausible value per requested field. */
export function answerFields(fields: readonly string[], text: string): Record<string, unknown> {
  const names = fields.length > 0 ? fields : ['result'];
  return Object.fromEntries(names.map((field) => [field, valueFor(field, text)]));
}

/** Prose instead of JSON: what a model does when it ignores the format instruction. */
export function proseAnswer(text: string): string {
  return `Sure! Here is what I found: ${clip(sentences(text)[0] ?? text, 120)} Let me know if you need anything else.`;
}

/** JSON cut off part-way, as when the model hits max_tokens (finish_reason "length"). */
export function truncatedJson(answer: Record<string, unknown>): string {
  const full = JSON.stringify(answer, null, 2);
  return full.slice(0, Math.max(2, Math.floor(full.length * 0.6)));
}
