/**
 * The AWS SDK clients the tick uses only now and then, as files of their own beside the deployed
 * bundle: the Lambda client (a chain's hand-off) and the SNS and EventBridge clients (the failure
 * publisher). NodejsFunction bundles to one file (no code splitting), and a dynamic import esbuild
 * inlines is still parsed at every cold start (8 ms of CPU here for the Lambda client alone). So
 * the bundle leaves them external, and this builds each one the schedule needs, with the bundle's
 * own options, as `node_modules/<package>/index.mjs` in the asset, where the bundle's import finds it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { ownModule } from '../functions/package-root.js';
import { LAZY_SDK_CLIENTS, type LazySdkClient, TICK_ESBUILD_OPTIONS } from './tick-bundling.js';

/** Where a client's file goes in the asset, relative to the bundle. */
export function sdkClientChunkPath(sdkPackage: LazySdkClient): string {
  return `node_modules/${sdkPackage}/index.mjs`;
}

/** Builds one client's file (and its package.json) under `outputDir`; returns the file's path. */
export function buildSdkClientChunk(outputDir: string, sdkPackage: LazySdkClient): string {
  const outfile = join(outputDir, sdkClientChunkPath(sdkPackage));
  mkdirSync(dirname(outfile), { recursive: true });
  buildSync({
    ...TICK_ESBUILD_OPTIONS,
    mainFields: [...TICK_ESBUILD_OPTIONS.mainFields],
    external: [],
    entryPoints: [ownModule(LAZY_SDK_CLIENTS[sdkPackage])],
    outfile,
    logLevel: 'error',
  });
  const manifest = { name: sdkPackage, private: true, type: 'module', exports: { default: './index.mjs' } };
  writeFileSync(join(dirname(outfile), 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return outfile;
}

function isLazySdkClient(name: string): name is LazySdkClient {
  return Object.hasOwn(LAZY_SDK_CLIENTS, name);
}

// Run as a script by the afterBundling hook (tick-bundling.ts): <outputDir> <package>...
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [outputDir, ...packages] = process.argv.slice(2);
  if (!outputDir || packages.length === 0) throw new Error('usage: sdk-client-chunks <outputDir> <package>...');
  for (const sdkPackage of packages) {
    if (!isLazySdkClient(sdkPackage)) throw new Error(`sdk-client-chunks: no entry for ${sdkPackage}`);
    buildSdkClientChunk(outputDir, sdkPackage);
  }
}
