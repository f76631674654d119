// Colours as settings write them: `#rgb`, `#rrggbb`, `#rrggbbaa` or `transparent`.

/** An sRGB colour, each channel 0..255, `alpha` 0 (transparent) .. 1 (opaque), as sharp takes it. */
export interface Colour {
  readonly r: number;
  readonly g: number;
  readonly b: number;
  readonly alpha: number;
}

export const WHITE: Colour = { r: 255, g: 255, b: 255, alpha: 1 };
export const TRANSPARENT: Colour = { r: 0, g: 0, b: 0, alpha: 0 };

const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

/** Parses a colour; undefined when `text` is not one of the accepted forms. */
export function parseColour(text: string): Colour | undefined {
  if (text === 'transparent') return TRANSPARENT;
  if (!HEX.test(text)) return undefined;
  const hex = text.length === 4 ? [...text.slice(1)].map((c) => c + c).join('') : text.slice(1);
  const channel = (i: number) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  const alpha = hex.length === 8 ? Math.round((channel(3) / 255) * 1000) / 1000 : 1;
  return { r: channel(0), g: channel(1), b: channel(2), alpha };
}
