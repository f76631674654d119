// Where an overlay sits on an image: a corner, an edge's middle, or the centre.

/** Compass gravities, as sharp names them. */
export const GRAVITIES = [
  'northwest',
  'north',
  'northeast',
  'west',
  'centre',
  'east',
  'southwest',
  'south',
  'southeast',
] as const;
export type Gravity = (typeof GRAVITIES)[number];
