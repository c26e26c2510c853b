/**
 * How the tick function is bundled, in one place: the CDK's NodejsFunction and a benchmark that
 * builds the same bundle with esbuild's API both take their options from here.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { ownModule } from '../functions/package-root.js';

/** The newest Node.js runtime aws-cdk-lib knows; cdk-nag's AwsSolutions-L1 asks for it. */
export const TICK_RUNTIME = Runtime.NODEJS_24_X;

/** Graviton: about 20% cheaper per GB-second than x86, and nothing in the bundle is native. */
export const TICK_ARCHITECTURE = Architecture.ARM_64;

/** Lets CommonJS dependencies inside the ESM bundle call `require` for Node's built-ins. */
const CREATE_REQUIRE_BANNER =
  "import { createRequire as __clusterCronCreateRequire } from 'node:module'; const require = __clusterCronCreateRequire(import.meta.url);";

/**
 * The clients only a hand-off (Lambda) or a failure's publishing (SNS, EventBridge) uses: left out
 * of the bundle and built as files of their own beside it (infra/sdk-client-chunks.ts), loaded on first use.
 */
export const LAZY_SDK_CLIENTS = {
  '@aws-sdk/client-lambda': 'functions/sdk-clients/lambda',
  '@aws-sdk/client-sns': 'functions/sdk-clients/sns',
  '@aws-sdk/client-eventbridge': 'functions/sdk-clients/eventbridge',
} as const;

/** A client the bundle loads on first use. */
export type LazySdkClient = keyof typeof LAZY_SDK_CLIENTS;

/**
 * esbuild options of the tick bundle, in esbuild's API shape (add `entryPoints` and `outfile`).
 * Everything is bundled, the AWS SDK included, so the deployed code is the code the tests ran
 * (the runtime's own SDK version drifts), the rarely used clients in files of their own; ESM with `module` first in mainFields lets esbuild
 * tree-shake the SDK; names are kept because errors are told apart by `name` (PayloadError,
 * ConditionalCheckFailedException) in code and in Lambda's `errorType`; the source map has no
 * sources (smaller, and the asset hash does not depend on the checkout's path).
 */
export const TICK_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: `node${TICK_RUNTIME.name.replace(/\D/g, '')}`,
  minify: true,
  keepNames: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  legalComments: 'none',
  banner: { js: CREATE_REQUIRE_BANNER },
  external: Object.keys(LAZY_SDK_CLIENTS),
} as const satisfies BuildOptions;

/** The shell command that builds the clients' files into the asset's `outputDir` (an afterBundling hook). */
export function sdkClientChunksCommand(outputDir: string, clients: readonly LazySdkClient[]): string {
  const script = ownModule('infra/sdk-client-chunks');
  // In a checkout the script is TypeScript: tsx (a dependency) runs it.
  const tsx = script.endsWith('.ts') ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
  return [process.execPath, ...tsx, script, outputDir, ...clients].map((word) => JSON.stringify(word)).join(' ');
}

/**
 * The same options as NodejsFunction's `bundling`: local esbuild (a devDependency), never Docker.
 * `sdkClients` are the lazily loaded clients this function may import (the Lambda client for a
 * schedule whose chains hand off; SNS or EventBridge for failure notifications): their files are
 * built beside the bundle after bundling; a client not listed is never imported.
 */
export function tickBundlingOptions(options: { sdkClients?: readonly LazySdkClient[] } = {}): BundlingOptions {
  const clients = options.sdkClients ?? [];
  return {
    format: OutputFormat.ESM,
    target: TICK_ESBUILD_OPTIONS.target,
    minify: TICK_ESBUILD_OPTIONS.minify,
    keepNames: TICK_ESBUILD_OPTIONS.keepNames,
    sourceMap: TICK_ESBUILD_OPTIONS.sourcemap,
    sourcesContent: TICK_ESBUILD_OPTIONS.sourcesContent,
    mainFields: [...TICK_ESBUILD_OPTIONS.mainFields],
    banner: TICK_ESBUILD_OPTIONS.banner.js,
    externalModules: [...TICK_ESBUILD_OPTIONS.external],
    esbuildArgs: { '--legal-comments': TICK_ESBUILD_OPTIONS.legalComments },
    forceDockerBundling: false,
    ...(clients.length > 0 && {
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (_inputDir: string, outputDir: string) => [sdkClientChunksCommand(outputDir, clients)],
      },
    }),
  };
}
