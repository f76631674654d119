// The purge webhook client against a real HTTP receiver on loopback: batching, bodies,
// headers, retries with backoff, giving up, redirects refused, and the flush at shutdown.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchesOf, purgeBodyOf } from '../../src/cdn/purge-request.js';
import {
  createPurgeWebhook,
  type PurgeWebhookOptions,
  type WebhookFailure,
} from '../../src/cdn/purge-webhook.js';
import { surrogateKeyOf } from '../../src/cdn/surrogate-key.js';
import { until } from '../helpers/until.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

describe('surrogate keys and purge bodies', () => {
  it('keeps an ASCII media path as it is and percent-encodes non-ASCII bytes', () => {
    expect(surrogateKeyOf('photos/a+b@2x.jpg')).toBe('photos/a+b@2x.jpg');
    expect(surrogateKeyOf('fotos/café.jpg')).toBe('fotos/caf%C3%A9.jpg');
    expect(surrogateKeyOf('写真/猫.png')).toBe('%E5%86%99%E7%9C%9F/%E7%8C%AB.png');
  });

  it("writes each CDN's body and cuts keys into its batch size", () => {
    expect(JSON.parse(purgeBodyOf('fastly', ['a', 'b']))).toEqual({ surrogate_keys: ['a', 'b'] });
    expect(JSON.parse(purgeBodyOf('cloudflare', ['a']))).toEqual({ tags: ['a'] });
    expect(JSON.parse(purgeBodyOf('json', ['a']))).toEqual({ keys: ['a'] });
    const keys = Array.from({ length: 61 }, (_, index) => `k${index}`);
    expect(batchesOf('cloudflare', keys).map((batch) => batch.length)).toEqual([30, 30, 1]);
    expect(batchesOf('fastly', keys).map((batch) => batch.length)).toEqual([61]);
    expect(batchesOf('fastly', [])).toEqual([]);
  });
});

describe('purge webhook', () => {
  let receiver: WebhookReceiver;
  let failures: WebhookFailure[];

  function webhook(options: Partial<PurgeWebhookOptions> = {}) {
    return createPurgeWebhook({
      url: `${receiver.url}/service/abc/purge?token=secret-in-query`,
      format: 'fastly',
      headers: { 'Fastly-Key': 'k-123' },
      delayMs: 50,
      timeoutMs: 2_000,
      onFailure: (failure) => failures.push(failure),
      retryDelaysMs: [30, 60],
      ...options,
    });
  }

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    failures = [];
  });
  afterEach(() => receiver.close());

  it('gathers the purges of its delay into one request with the headers set', async () => {
    const hook = webhook();
    hook.purged('photos/a.jpg');
    hook.purged('photos/b.jpg');
    hook.purged('photos/a.jpg');
    expect(hook.pending).toBe(2);
    expect(receiver.requests).toEqual([]);
    await until(() => receiver.requests.length === 1);
    const [request] = receiver.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/service/abc/purge?token=secret-in-query');
    expect(request?.headers['fastly-key']).toBe('k-123');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      surrogate_keys: ['photos/a.jpg', 'photos/b.jpg'],
    });
    await until(() => hook.pending === 0);
    expect(failures).toEqual([]);
  });

  it('retries a refused request with backoff, then gives up and says so', async () => {
    receiver.answerNext(503, 500);
    const hook = webhook();
    hook.purged('photos/retried.jpg');
    await until(() => receiver.requests.length === 3);
    expect(receiver.requests.map((request) => request.body)).toEqual(
      Array(3).fill(JSON.stringify({ surrogate_keys: ['photos/retried.jpg'] })),
    );
    expect(failures.map(({ attempt, final }) => ({ attempt, final }))).toEqual([
      { attempt: 1, final: false },
      { attempt: 2, final: false },
    ]);
    // The reason names the answer, never the query string or the key header.
    expect(failures[0]?.reason).toBe(`${receiver.url}/service/abc/purge answered HTTP 503`);

    receiver.answerNext(500, 500, 500);
    hook.purged('photos/lost.jpg');
    await until(() => failures.some((failure) => failure.final));
    expect(failures.at(-1)).toMatchObject({ keys: ['photos/lost.jpg'], attempt: 3, final: true });
    expect(hook.pending).toBe(0);
  });

  it('counts a redirect as a failure: the key header is never sent elsewhere', async () => {
    receiver.answerNext(307);
    const hook = webhook({ retryDelaysMs: [] });
    hook.purged('photos/moved.jpg');
    await until(() => failures.length === 1);
    expect(failures[0]?.reason).toMatch(/answered HTTP 307$/);
    expect(receiver.requests).toHaveLength(1);
  });

  it('gives up on a CDN that does not answer within the timeout', async () => {
    receiver.stall();
    const hook = webhook({ timeoutMs: 200, retryDelaysMs: [] });
    hook.purged('photos/slow.jpg');
    await until(() => failures.length === 1);
    expect(failures[0]?.reason).toMatch(/failed: no answer \(within 200 ms\)$/);
    receiver.release();
  });

  it('sends what is gathering or waiting for a retry at once on flush, one attempt each', async () => {
    const hook = webhook({ delayMs: 60_000, retryDelaysMs: [60_000] });
    hook.purged('photos/first.jpg');
    hook.purged('photos/second.jpg');
    receiver.answerNext(503);
    await hook.flush();
    expect(receiver.requests.map((request) => JSON.parse(request.body))).toEqual([
      { surrogate_keys: ['photos/first.jpg', 'photos/second.jpg'] },
    ]);
    // After flush a failure is final: the process is stopping, no retry is left behind.
    expect(failures).toEqual([expect.objectContaining({ attempt: 1, final: true })]);
    expect(hook.pending).toBe(0);

    // A batch waiting a minute for its retry goes out on flush too.
    receiver.answerNext(503);
    const retried = webhook({ delayMs: 10, retryDelaysMs: [60_000] });
    retried.purged('photos/third.jpg');
    await until(() => retried.pending === 1 && receiver.requests.length === 2);
    await retried.flush();
    expect(receiver.requests.slice(2).map((request) => JSON.parse(request.body))).toEqual([
      { surrogate_keys: ['photos/third.jpg'] },
    ]);
    expect(retried.pending).toBe(0);
  });
});
