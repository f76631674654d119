import { describe, expect, it } from 'vitest';
import { checkMediaPath, decodeMediaPath, MAX_MEDIA_PATH_BYTES } from '../../src/url/media-path.js';

describe('checkMediaPath', () => {
  it.each([
    'a.jpg',
    'photos/2024/cat.jpg',
    'me@host/a+b~c-d_e.f',
    'фото/猫.png',
    'Ünïcödé.webp',
    '.hidden/x.jpg',
    'x'.repeat(MAX_MEDIA_PATH_BYTES),
  ])('accepts %s', (path) => {
    expect(checkMediaPath(path)).toBe(path);
  });

  it.each([
    ['empty', ''],
    ['absolute', '/etc/passwd'],
    ['dot-dot', 'a/../b'],
    ['leading dot-dot', '../b'],
    ['dot', 'a/./b'],
    ['empty segment', 'a//b'],
    ['trailing slash', 'a/'],
    ['backslash', 'a\\..\\b'],
    ['NUL', 'a\u0000b'],
    ['control byte', 'a\u001fb'],
    ['DEL', 'a\u007fb'],
    ['space', 'a b.jpg'],
    ['percent', 'a%2eb'],
    ['colon', 'C:/x'],
    ['too long', 'x'.repeat(MAX_MEDIA_PATH_BYTES + 1)],
    ['too long in bytes', 'é'.repeat(MAX_MEDIA_PATH_BYTES / 2 + 1)],
  ])('refuses %s', (_name, path) => {
    expect(() => checkMediaPath(path)).toThrow(expect.objectContaining({ code: 'BAD_PATH' }));
  });
});

describe('decodeMediaPath', () => {
  it('decodes exactly once', () => {
    expect(decodeMediaPath('%D1%84%D0%BE%D1%82%D0%BE.jpg')).toBe('фото.jpg');
    // %252e decodes to the literal "%2e", which the grammar refuses: never decoded twice.
    expect(() => decodeMediaPath('a/%252e%252e/b')).toThrow(/segments/);
  });

  it.each(['a/%2e%2e/b', 'a%2f..%2fb', '%2fetc/passwd', 'a/%00', 'a%5c..%5cb', 'a/%E0%A4%A'])(
    'refuses the encoded attack %s',
    (raw) => {
      expect(() => decodeMediaPath(raw)).toThrow(expect.objectContaining({ code: 'BAD_PATH' }));
    },
  );
});
