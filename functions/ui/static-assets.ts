/**
 * Serves the built status page (`npm run build:ui` writes dist/ui): `/` is index.html and
 * `/assets/<file>` a file of its assets folder, by name only, so no path leaves the folder.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

/** Where `npm run build:ui` puts the page: resolved from this package, not from the working directory. */
export const DEFAULT_ASSETS_DIR = join(PACKAGE_ROOT, 'dist', 'ui');

/** An HTTP answer in plain data, for node:http and Lambda function URLs alike. */
export interface UiResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Headers of every answer: no sniffing, no framing, no referrer, and scripts only from this
 * origin (the page's own bundle; inline styles are allowed because chart libraries set them).
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'Cache-Control': 'no-store',
};

/** A JSON answer: `{ error }` bodies and API data alike. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): UiResponse {
  return {
    status,
    headers: { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/** A file name in the assets folder: no separators, no dot first (so no `..`), nothing encoded. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

async function fileResponse(path: string): Promise<UiResponse | undefined> {
  try {
    const body = await readFile(path);
    return {
      status: 200,
      headers: { ...SECURITY_HEADERS, 'Content-Type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream' },
      body,
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** `GET /`: the page, or 503 naming the build command when it was never built. */
export async function serveIndex(assetsDir: string): Promise<UiResponse> {
  return (
    (await fileResponse(join(assetsDir, 'index.html'))) ??
    jsonResponse(503, { error: `the page is not built: run npm run build:ui (looked for ${join(assetsDir, 'index.html')})` })
  );
}

/** `GET /assets/<name>`: one file of `<assetsDir>/assets`, or 404. `name` is the raw (undecoded) path segment. */
export async function serveAsset(assetsDir: string, name: string): Promise<UiResponse> {
  const notFound = jsonResponse(404, { error: `no asset ${JSON.stringify(name.slice(0, 200))}` });
  if (!ASSET_NAME.test(name)) return notFound;
  const folder = resolve(assetsDir, 'assets');
  const path = resolve(folder, name);
  // The name pattern already keeps it inside; this states the rule the pattern enforces.
  if (!path.startsWith(`${folder}${sep}`)) return notFound;
  return (await fileResponse(path)) ?? notFound;
}
