// Preloaded into a server under test (`node --import`): measures event-loop delay with
// monitorEventLoopDelay and, on SIGUSR2, writes {p50, p99, max} in ms to $BENCH_LOOP_FILE
// and starts over. Nothing else in the process changes.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.BENCH_LOOP_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  process.on('SIGUSR2', () => {
    const ms = (ns) => ns / 1e6;
    writeFileSync(
      file,
      JSON.stringify({
        p50: ms(histogram.percentile(50)),
        p99: ms(histogram.percentile(99)),
        max: ms(histogram.max),
        at: Date.now(),
      }),
    );
    histogram.reset();
  });
}
