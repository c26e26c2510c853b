/**
 * Builds the status page: `ui/` -> `dist/ui/` (index.html, assets/app.js, assets/app.css), one
 * minified bundle with no external requests, so the page works offline. Prints the sizes.
 * `npm run build:ui`; the page's server (`cluster-cron ui`) serves `dist/ui`.
 */

import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'ui');

/** Builds the page into `dist/ui` and returns the built files with their raw and gzipped sizes. */
async function buildUi(options: { quiet?: boolean } = {}): Promise<{ file: string; bytes: number; gzipBytes: number }[]> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, 'assets'), { recursive: true });
  await build({
    entryPoints: { app: join(root, 'ui', 'src', 'main.tsx') },
    outdir: join(outDir, 'assets'),
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    // The libraries' licence comments go to a file beside the bundle rather than inline.
    legalComments: 'linked',
    logLevel: 'warning',
  });
  await copyFile(join(root, 'ui', 'index.html'), join(outDir, 'index.html'));
  const files = ['index.html', 'assets/app.js', 'assets/app.css'];
  const sizes = await Promise.all(
    files.map(async (file) => {
      const bytes = await readFile(join(outDir, file));
      return { file, bytes: bytes.length, gzipBytes: gzipSync(bytes).length };
    }),
  );
  if (!options.quiet) {
    for (const size of sizes)
      console.log(
        `${relative(root, join(outDir, size.file))}  ${(size.bytes / 1024).toFixed(1)} KiB (${(size.gzipBytes / 1024).toFixed(1)} KiB gzipped)`,
      );
  }
  return sizes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildUi();
