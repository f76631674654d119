// Upload validation in the render queue (issue 14, item 11): the full decode that checks an
// upload takes a render slot, so concurrent uploads decode RENDER_CONCURRENCY at a time
// (sixteen 16.7 MP AVIF uploads decoding at once peaked at 1.5 GiB). Asserted by the
// mechanism, never by time: with the one slot held, an upload waits in the queue, places
// nothing, and answers only once the slot is free; with the queue full it is refused 503.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from '../helpers/http.js';
import { jpegImage } from '../helpers/images.js';
import { until } from '../helpers/until.js';
import { type Hostile, startHostile } from './harness.js';

let hostile: Hostile;
let jpeg: Buffer;

beforeAll(async () => {
  hostile = await startHostile({ RENDER_CONCURRENCY: '1', RENDER_QUEUE: '2' });
  jpeg = await jpegImage(320, 240);
});
afterAll(async () => {
  await hostile.dispose();
});
// Slots a failed test still holds would keep the server from shutting down.
const holders: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(holders.splice(0).map((release) => release()));
});

/** Takes the queue's one slot until `release` is called, like a slow render in flight. */
function holdTheSlot(events: string[]): { release: () => Promise<void> } {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const held = hostile.server.parts.queue.run(async () => {
    await gate;
    events.push('slot released');
  });
  const release = async () => {
    open();
    await held;
  };
  holders.push(release);
  return { release };
}

describe('upload validation in the render queue', () => {
  it('waits for a render slot: nothing is placed until the render in flight ends', async () => {
    const { queue, registry } = hostile.server.parts;
    const events: string[] = [];
    const slot = holdTheSlot(events);
    expect(queue.active).toBe(1);
    // A real render queues behind it too, first in line.
    const render = hostile.request('/media/good/known.jpg/thumbnail/77x77.jpg').then((reply) => {
      events.push('render answered');
      return reply;
    });
    await until(() => queue.waiting === 1, { message: 'the render never queued' });
    const upload = hostile.upload(jpeg, 'queued.jpg', { path: 'queued/a.jpg' }).then((reply) => {
      events.push('upload answered');
      return reply;
    });
    // The upload's body is in; its validation is what waits in the queue.
    await until(() => queue.waiting === 2, { message: "the upload's validation never queued" });
    expect(events).toEqual([]);
    expect(registry.get('queued/a.jpg')).toBeUndefined();
    const placed = [...(await hostile.listing()).keys()].filter((key) => key.includes('queued'));
    expect(placed).toEqual([]);

    await slot.release();
    const [rendered, uploaded] = await Promise.all([render, upload]);
    expect(rendered.status).toBe(200);
    expect(uploaded.status, uploaded.body.toString()).toBe(201);
    expect(events[0]).toBe('slot released');
    expect(events.slice(1).sort()).toEqual(['render answered', 'upload answered']);
    expect(registry.get('queued/a.jpg')).toMatchObject({ width: 320, height: 240 });
    await hostile.expectStillServing();
  });

  it('validates VALIDATE_CONCURRENCY (1) uploads at a time; the others hold no render slot', async () => {
    const { queue, decodes } = hostile.server.parts;
    const slot = holdTheSlot([]);
    const uploads = ['one', 'two', 'three'].map((name) =>
      hostile.upload(jpeg, `${name}.jpg`, { path: `gated/${name}.jpg` }),
    );
    // One upload passed the gate and waits for the render slot; two wait at the gate.
    await until(() => decodes.active === 1 && decodes.waiting === 2, {
      message: `decodes ${decodes.active}/${decodes.waiting}, render queue ${queue.active}/${queue.waiting}`,
    });
    expect(queue.waiting).toBe(1);
    // A render arriving now is next in line for the slot, not behind the two uploads.
    const render = hostile.request('/media/good/known.jpg/thumbnail/78x78.jpg');
    await until(() => queue.waiting === 2);
    await slot.release();
    expect((await render).status).toBe(200);
    expect((await Promise.all(uploads)).map((reply) => reply.status)).toEqual([201, 201, 201]);
  });

  it('is refused 503 OVERLOADED when the queue is full, writing nothing', async () => {
    const { queue } = hostile.server.parts;
    const slot = holdTheSlot([]);
    // RENDER_QUEUE=2: two waiting tasks fill it.
    const fillers = [slot, holdTheSlot([]), holdTheSlot([])];
    await until(() => queue.waiting === 2);
    const before = await hostile.listing();
    const refused = await hostile.upload(jpeg, 'full.jpg', { path: 'queued/full.jpg' });
    expect(refused.status).toBe(503);
    expect(errorOf(refused).code).toBe('OVERLOADED');
    await hostile.expectRoots(before);
    await Promise.all(fillers.map((filler) => filler.release()));
    await hostile.expectStillServing();
  });
});
