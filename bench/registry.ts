// Registry figures at 1k / 10k / 100k records: startup, registration latency, event-loop
// delay, lookups; rendition's registry and plain lowdb JSONFile side by side, in one run.
// The same measurements are row B9 of `npm run bench`.
// Run: npm run bench:registry [-- --sizes 1000,10000]

import { parseArgs } from 'node:util';
import { measurePlainLowdb, measureRendition } from './lib/registry.js';

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '1000,10000,100000' } },
});
const SIZES = (values.sizes ?? '').split(',').map(Number);
const ms = (value: number) => `${value.toFixed(1)} ms`;

function table(rows: Record<string, string>[]): string {
  const columns = Object.keys(rows[0] ?? {});
  return [
    `| ${columns.join(' | ')} |`,
    `|${columns.map(() => '---:').join('|')}|`,
    ...rows.map((row) => `| ${columns.map((c) => row[c] ?? '').join(' | ')} |`),
  ].join('\n');
}

const ours: Record<string, string>[] = [];
const plain: Record<string, string>[] = [];
for (const size of SIZES) {
  const r = await measureRendition(size);
  ours.push({
    records: String(r.records),
    'db.json': `${r.fileMiB.toFixed(1)} MiB`,
    startup: ms(r.startup),
    'register p50': ms(r.registerP50),
    'register p99': ms(r.registerP99),
    '100 concurrent': ms(r.concurrent100),
    'loop delay p99': ms(r.loopP99),
    'loop delay max': ms(r.loopMax),
    lookup: `${r.lookupNs.toFixed(0)} ns`,
  });
  const p = await measurePlainLowdb(size);
  plain.push({
    records: String(p.records),
    startup: ms(p.startup),
    'register p50': ms(p.registerP50),
    'register p99': ms(p.registerP99),
    'loop delay p99': ms(p.loopP99),
  });
}
console.log(`rendition registry (snapshot + journal), Node ${process.version}\n\n${table(ours)}\n`);
console.log(`plain lowdb JSONFilePreset, same records, same run\n\n${table(plain)}`);
