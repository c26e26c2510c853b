/**
 * Bundles a Lambda entry the way the tick function is deployed: esbuild with the construct's
 * own options (infra/tick-bundling.ts), and the Lambda client's file beside it
 * (infra/sdk-client-chunks.ts), so the size measured is the size uploaded.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';
import { buildSdkClientChunk } from '../infra/sdk-client-chunks.js';
import { TICK_ESBUILD_OPTIONS } from '../infra/tick-bundling.js';

/** Sizes of one bundle. */
export interface BundleInfo {
  outfile: string;
  bytes: number;
  /** gzip -9 of the bundle: about what the deployment zip adds for it. */
  gzipBytes: number;
  sourceMapBytes: number;
  /** The files loaded only on first use (the Lambda client's), beside the bundle: not parsed at a cold start. */
  lazyBytes: number;
  /** Bytes in the bundle per npm package (`(project)` for this repository's code), largest first. */
  byPackage: { name: string; bytes: number }[];
}

/** The npm package a bundled input belongs to, or `(project)`. */
function packageOf(path: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return match ? match[1]! : '(project)';
}

/** The esbuild options of the deployed tick function (infra/tick-bundling.ts: the AWS SDK bundled too). */
function lambdaBundleOptions(entry: string, outfile: string): BuildOptions {
  return {
    ...TICK_ESBUILD_OPTIONS,
    mainFields: [...TICK_ESBUILD_OPTIONS.mainFields],
    external: [...TICK_ESBUILD_OPTIONS.external],
    entryPoints: [entry],
    outfile,
    logLevel: 'silent',
  };
}

/**
 * Builds `entry` into `outfile` (with the Lambda client's file beside it when `lazyClient`) and
 * reports its sizes; `alias` maps an import to a path (a user's `cluster-cron` to this checkout).
 */
export async function bundleForLambda(
  entry: string,
  outfile: string,
  options: { lazyClient?: boolean; alias?: Record<string, string> } = {},
): Promise<BundleInfo> {
  const result = await build({ ...lambdaBundleOptions(entry, outfile), metafile: true, ...(options.alias && { alias: options.alias }) });
  const lazyBytes = options.lazyClient ? statSync(buildSdkClientChunk(dirname(outfile), '@aws-sdk/client-lambda')).size : 0;
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
    lazyBytes,
    byPackage: [...byPackage].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
  };
}
