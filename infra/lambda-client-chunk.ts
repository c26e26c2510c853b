/**
 * The Lambda client as a file of its own beside the deployed bundle. NodejsFunction bundles to
 * one file (no code splitting), and a dynamic import esbuild inlines is still parsed at every
 * cold start (8 ms of CPU here, for a client only a hand-off uses). So the bundle leaves
 * `@aws-sdk/client-lambda` external, and this builds it, with the bundle's own options, as
 * `node_modules/@aws-sdk/client-lambda` in the asset, where the bundle's import finds it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { ownModule } from '../functions/package-root.js';
import { LAMBDA_CLIENT_PACKAGE, TICK_ESBUILD_OPTIONS } from './tick-bundling.js';

/** Where the file goes in the asset, relative to the bundle. */
export const LAMBDA_CLIENT_CHUNK = `node_modules/${LAMBDA_CLIENT_PACKAGE}/index.mjs`;

/** Builds the Lambda client's file (and its package.json) under `outputDir`; returns the file's path. */
export function buildLambdaClientChunk(outputDir: string): string {
  const outfile = join(outputDir, LAMBDA_CLIENT_CHUNK);
  mkdirSync(dirname(outfile), { recursive: true });
  buildSync({
    ...TICK_ESBUILD_OPTIONS,
    mainFields: [...TICK_ESBUILD_OPTIONS.mainFields],
    external: [],
    entryPoints: [ownModule('functions/lambda-invoke')],
    outfile,
    logLevel: 'error',
  });
  const manifest = { name: LAMBDA_CLIENT_PACKAGE, private: true, type: 'module', exports: { default: './index.mjs' } };
  writeFileSync(join(dirname(outfile), 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return outfile;
}

// Run as a script by the afterBundling hook (tick-bundling.ts).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outputDir = process.argv[2];
  if (!outputDir) throw new Error('usage: lambda-client-chunk <outputDir>');
  buildLambdaClientChunk(outputDir);
}
