import { readFileSync } from 'node:fs';
const [file, mode = 'fn'] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const agg = new Map();
let total = 0;
for (const n of p.nodes) {
  const t = dt.get(n.id) ?? 0;
  total += t;
  const cf = n.callFrame;
  const url = cf.url.replace(/.*node_modules\//, 'nm/').replace(/.*\/work\/main\//, '');
  const key = mode === 'file' ? url.split('/').slice(0, url.startsWith('nm/') ? 3 : 99).join('/') : `${cf.functionName || '(anon)'} ${url}:${cf.lineNumber}`;
  agg.set(key, (agg.get(key) ?? 0) + t);
}
console.log('total ms', (total / 1000).toFixed(0));
for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log((v / 1000).toFixed(0).padStart(7), k);
