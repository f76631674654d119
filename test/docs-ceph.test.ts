// The ceph.conf lines docs/multi-node.md recommends for radosgw are the ones the test
// cluster runs with, so the numbers the page quotes were measured with what it says.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cephConf } from './helpers/radosgw-cluster.js';

/** The lines of the code block that follows "in `ceph.conf`:" on the page. */
function recommendedLines(page: string): string[] {
  const block = /in `ceph\.conf`:\n```\n([\s\S]*?)\n```/.exec(page)?.[1];
  if (block === undefined) throw new Error('docs/multi-node.md lost its ceph.conf block');
  return block.split('\n').filter((line) => line.startsWith('rgw '));
}

describe('docs/multi-node.md, Ceph radosgw', () => {
  const lines = recommendedLines(readFileSync('docs/multi-node.md', 'utf8'));
  const conf = cephConf({ dir: '/d', fsid: 'f', monV2: 1, monV1: 2, rgwPort: 7480, bindMin: 3 });
  const confLines = conf.split('\n');

  it('recommends the chunk sizes and tcp_nodelay', () => {
    expect(lines).toContain('rgw max chunk size = 262144');
    expect(lines).toContain('rgw get obj max req size = 262144');
    expect(lines.find((line) => line.startsWith('rgw frontends ='))).toMatch(/ tcp_nodelay=1$/);
  });

  it.each(lines)('the test cluster runs with `%s`', (line) => {
    if (line.startsWith('rgw frontends =')) {
      // The cluster listens on a port of its own; what matters is the beast option.
      expect(confLines.find((l) => l.startsWith('rgw frontends ='))).toMatch(/ tcp_nodelay=1$/);
    } else {
      expect(confLines).toContain(line);
    }
  });
});
