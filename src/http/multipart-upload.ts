// Streams a multipart upload: the one `file` part to a temp file under a byte cap (never
// buffered whole in memory), the small text fields into a record.

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { uploadBodyBytes } from '../config/upload-limits.js';
import { AppError } from '../errors.js';
import { translateStorageError } from '../fs/storage-errors.js';

export interface UploadedFile {
  readonly tempFile: string;
  /** The client's file name, untrusted: used only to suggest a path. */
  readonly fileName: string | undefined;
  readonly bytes: number;
  readonly sha256: string;
}

export interface MultipartOptions {
  readonly maxBytes: number;
  /** Where the file part goes. */
  readonly tempFile: () => Promise<string>;
}

// Hostile multipart (thousands of parts, huge fields) is refused by these, not by memory.
const LIMITS = {
  files: 1,
  fields: 16,
  parts: 20,
  fieldSize: 16 * 1024,
  fieldNameSize: 64,
  headerPairs: 32,
};

export async function readMultipartUpload(
  request: Request,
  options: MultipartOptions,
): Promise<{ fields: Record<string, string>; file: UploadedFile | undefined }> {
  const length = Number(request.headers.get('content-length') ?? Number.NaN);
  if (length > uploadBodyBytes(options.maxBytes)) throw tooLarge(options.maxBytes);
  if (request.body === null) throw new AppError('BAD_REQUEST', 'Expected a multipart body');

  const fields: Record<string, string> = {};
  let file: UploadedFile | undefined;
  let sawFile = false;
  const tempFiles: string[] = [];
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': request.headers.get('content-type') ?? '' },
      limits: { ...LIMITS, fileSize: options.maxBytes },
      // Browsers and fetch send UTF-8 file names; busboy's default would read them as latin1.
      defParamCharset: 'utf8',
    });
  } catch (error) {
    throw new AppError('BAD_REQUEST', 'Expected multipart/form-data with a boundary', {
      cause: error,
    });
  }

  const files: Promise<void>[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const fail = (error: AppError) => reject(error);
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated)
        fail(new AppError('BAD_REQUEST', `Field ${JSON.stringify(name.slice(0, 64))} is too long`));
      else fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || sawFile) {
        stream.resume();
        fail(
          new AppError(
            'BAD_REQUEST',
            `Expected one file part named "file" but received ${JSON.stringify(name.slice(0, 64))}`,
          ),
        );
        return;
      }
      sawFile = true;
      // Listen at once: a body cut inside this part errors the stream before the temp file
      // exists, and an unheard 'error' would bring the whole process down.
      let streamError: unknown;
      let truncated = false;
      stream.on('error', (error) => {
        streamError = error;
      });
      stream.on('limit', () => {
        truncated = true;
        // Refuse at once: busboy would otherwise go on reading (and dropping) the rest.
        fail(tooLarge(options.maxBytes));
      });
      files.push(
        (async () => {
          const tempFile = await options.tempFile();
          tempFiles.push(tempFile);
          if (streamError !== undefined) throw streamError;
          const hash = createHash('sha256');
          let bytes = 0;
          stream.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            hash.update(chunk);
          });
          await pipeline(stream, createWriteStream(tempFile));
          if (truncated) throw tooLarge(options.maxBytes);
          file = {
            tempFile,
            fileName: info.filename || undefined,
            bytes,
            sha256: hash.digest('hex'),
          };
        })().catch((error: unknown) => {
          const storage = translateStorageError(error, 'the upload');
          fail(
            storage instanceof AppError
              ? storage
              : new AppError('BAD_REQUEST', 'Could not read the upload', { cause: error }),
          );
        }),
      );
    });
    parser.on('partsLimit', () =>
      fail(new AppError('BAD_REQUEST', `Expected at most ${LIMITS.parts} parts`)),
    );
    parser.on('filesLimit', () =>
      fail(new AppError('BAD_REQUEST', 'Expected exactly one file part')),
    );
    parser.on('fieldsLimit', () =>
      fail(new AppError('BAD_REQUEST', `Expected at most ${LIMITS.fields} fields`)),
    );
    parser.on('error', (error) =>
      fail(new AppError('BAD_REQUEST', 'Malformed multipart body', { cause: error })),
    );
    parser.on('close', () => {
      void Promise.all(files).then(() => resolve());
    });
  });

  const source = Readable.fromWeb(
    request.body as import('node:stream/web').ReadableStream<Uint8Array>,
  );
  try {
    source.on('error', () => parser.destroy());
    source.pipe(parser);
    await done;
    return { fields, file };
  } catch (error) {
    // Stop reading, let a file part still being written settle, then leave nothing behind.
    source.unpipe(parser);
    source.destroy();
    parser.destroy();
    await Promise.allSettled(files);
    await Promise.all(tempFiles.map((temp) => rm(temp, { force: true })));
    throw error;
  }
}

function tooLarge(maxBytes: number): AppError {
  return new AppError('SOURCE_TOO_LARGE', `Expected an original of at most ${maxBytes} bytes`);
}
