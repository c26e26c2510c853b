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
  /** Bytes in the bundle per npm package (`(project)` for this repository's code), largest first. */
  byPackage: { name: string; bytes: number }[];
}

/** The npm package a bundled input belongs to, or `(project)`. */
function packageOf(path: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return match ? match[1]! : '(project)';
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
  const result = await build({ ...lambdaBundleOptions(entry, outfile), metafile: true });
  const byPackage = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
    }
  }
  return {
    outfile,
    bytes: statSync(outfile).size,
    gzipBytes: gzipSync(readFileSync(outfile), { level: 9 }).length,
    sourceMapBytes: statSync(`${outfile}.map`).size,
    byPackage: [...byPackage].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
  };
}
