/**
 * Bundles a Lambda entry the way the tick function is deployed: esbuild, one ESM file for Node
 * 22 with the AWS SDK left to the runtime. Kept in one function so it can later defer to the
 * construct's shared options (infra/tick-bundling.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';

/** Sizes of one bundle. */
export interface BundleInfo {
  outfile: string;
  bytes: number;
  /** gzip -9 of the bundle: about what the deployment zip adds for it. */
  gzipBytes: number;
  sourceMapBytes: number;
}

/** The esbuild options of a deployed function (AWS SDK external: the Lambda runtime has it). */
export function lambdaBundleOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    sourcemap: true,
    external: ['@aws-sdk/*'],
    // CommonJS dependencies call require(); an ESM bundle has none unless it makes one.
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
    logLevel: 'silent',
  };
}

/** Builds `entry` into `outfile` and reports its sizes. */
export async function bundleForLambda(entry: string, outfile: string): Promise<BundleInfo> {
  await build(lambdaBundleOptions(entry, outfile));
  const bytes = statSync(outfile).size;
  return { outfile, bytes, gzipBytes: gzipSync(readFileSync(outfile), { level: 9 }).length, sourceMapBytes: statSync(`${outfile}.map`).size };
}
