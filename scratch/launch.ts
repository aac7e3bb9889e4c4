import { chromium } from 'playwright-core';
const t0 = performance.now(); const c0 = process.cpuUsage();
for (let i = 0; i < 5; i++) {
  const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  const ctx = await b.newContext(); const p = await ctx.newPage(); await p.goto('about:blank'); await b.close();
}
console.log('per launch ms', ((performance.now() - t0) / 5).toFixed(0));
