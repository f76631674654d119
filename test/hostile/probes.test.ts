// Costly probes (issue 14, item 3): MAX_INPUT_FRAMES refuses many-frame originals (422) at
// upload and on the info URL; info probes of one file version run once, in the render queue.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { animatedGif } from '../helpers/hostile-images.js';
import { errorOf } from '../helpers/http.js';
import { type Hostile, startHostile } from './harness.js';

let hostile: Hostile;
let gif: Buffer;

beforeAll(async () => {
  hostile = await startHostile({ MAX_INPUT_FRAMES: '2' });
  gif = await animatedGif();
});
afterAll(async () => {
  await hostile.dispose();
});

describe('MAX_INPUT_FRAMES', () => {
  it('refuses an upload of more frames with 422, writing nothing', async () => {
    const before = await hostile.listing();
    const response = await hostile.upload(gif, 'frames.gif');
    expect(response.status).toBe(422);
    expect(errorOf(response)).toMatchObject({ code: 'IMAGE_TOO_LARGE' });
    expect(errorOf(response).message).toContain('MAX_INPUT_FRAMES');
    await hostile.expectRoots(before);
    await hostile.expectStillServing();
  });

  it('answers the info of a dropped many-frame original 422, remembering it per version', async () => {
    await hostile.server.putOriginal('dropped/frames.gif', gif);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => hostile.request('/media/dropped/frames.gif/info')),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(422));
    expect((await hostile.request('/healthz')).status).toBe(200);
    await hostile.expectStillServing();
  });
});
