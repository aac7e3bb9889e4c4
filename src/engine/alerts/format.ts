/** Small formatting helpers for alert texts (plain text: Slack, desktop notifications and the list show it). */

export const plural = (n: number, word: string, words = `${word}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? word : words}`;

export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export const percent = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;

export const usd = (n: number | null) => (n === null ? 'unknown' : `$${n.toFixed(n < 10 ? 2 : 0)}`);

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
