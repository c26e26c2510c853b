/**
 * The local status page server of `cluster-cron ui`: node:http in front of handleUiRequest,
 * on 127.0.0.1 unless told otherwise, with a fresh token per start. Stopping it signals the
 * runs it triggered and waits for them to record their outcome.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import type { TickDeps } from '../core/tick.js';
import type { JobDefinition } from '../core/types.js';
import { handleUiRequest, MAX_BODY_BYTES, type UiDeps, type UiRequest } from './api.js';
import { localTrigger } from './local-trigger.js';
import { runtimeJobsAccess } from './runtime-jobs-api.js';
import { DEFAULT_ASSETS_DIR, jsonResponse, type UiResponse } from './static-assets.js';

/** How to start the server. */
export interface UiServerOptions {
  /** Everything a trigger needs; its store is also what the page reads. `shutdown` is set by the server. */
  deps: Omit<TickDeps, 'shutdown'>;
  jobs: readonly JobDefinition[];
  /** 0: any free port. */
  port: number;
  /** @default 127.0.0.1 */
  host?: string;
  /** @default DEFAULT_ASSETS_DIR (dist/ui of this package) */
  assetsDir?: string;
  /** @default 32 random bytes, base64url */
  token?: string;
}

/** A running server. */
export interface UiServer {
  /** The address to open, token included in the fragment: `http://127.0.0.1:<port>/#token=<token>`. */
  url: string;
  /** The address without the token. */
  origin: string;
  port: number;
  host: string;
  token: string;
  /** Stops accepting requests, signals triggered runs, and waits for them. */
  close(): Promise<void>;
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** `host:port` as it appears in a URL (IPv6 in brackets). */
function hostPort(host: string, port: number): string {
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

/**
 * The `Host` headers a browser sends to this server: its own address and `localhost`, and when
 * it listens on every interface, each address of this machine and its name.
 */
export function allowedHosts(host: string, port: number): string[] {
  const hosts = new Set([host, 'localhost']);
  if (host === '0.0.0.0' || host === '::') {
    hosts.add(hostname());
    for (const addresses of Object.values(networkInterfaces())) for (const address of addresses ?? []) hosts.add(address.address);
  }
  return [...hosts].map((name) => hostPort(name, port).toLowerCase());
}

/** Reads the body up to MAX_BODY_BYTES; undefined when it is larger (the rest is not read). */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      resolve(undefined);
      return;
    }
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_BODY_BYTES) {
        request.removeAllListeners('data');
        request.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

function send(response: ServerResponse, answer: UiResponse, close = false): void {
  response.writeHead(answer.status, { ...answer.headers, ...(close && { Connection: 'close' }) });
  response.end(answer.body);
}

/** Starts the server; resolves once it listens, with the real port when asked for port 0. */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(32).toString('base64url');
  const shutdown = new AbortController();
  const triggers = localTrigger({ ...options.deps, shutdown: shutdown.signal });
  const deps: UiDeps = {
    store: { client: options.deps.client, tableName: options.deps.tableName, clock: options.deps.clock },
    jobs: options.jobs,
    token,
    trigger: triggers.trigger,
    assetsDir: options.assetsDir ?? DEFAULT_ASSETS_DIR,
    log: options.deps.log,
    runtimeJobs: runtimeJobsAccess({ ...options.deps, shutdown: shutdown.signal }, options.jobs),
  };

  const server = createServer((request, response) => {
    void (async () => {
      try {
        const raw = request.url ?? '/';
        const queryAt = raw.indexOf('?');
        const path = queryAt === -1 ? raw : raw.slice(0, queryAt);
        const query: Record<string, string> = {};
        for (const [key, value] of new URLSearchParams(queryAt === -1 ? '' : raw.slice(queryAt + 1))) query[key] ??= value;
        const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await readBody(request);
        if (body === undefined && request.method !== 'GET' && request.method !== 'HEAD') {
          // Answer at once and close: the rest of a huge body is never read.
          send(response, jsonResponse(413, { error: `request body is over the limit of ${MAX_BODY_BYTES} bytes` }), true);
          return;
        }
        const uiRequest: UiRequest = {
          method: request.method ?? 'GET',
          path,
          query,
          headers: request.headers,
          ...(body !== undefined && { body }),
        };
        send(response, await handleUiRequest(deps, uiRequest));
      } catch (error) {
        // handleUiRequest never throws; this guards the reading of the request itself.
        options.deps.log.error('ui.request.error', { error: (error as Error).message });
        if (!response.headersSent)
          send(response, jsonResponse(400, { error: `could not read the request: ${(error as Error).message}` }), true);
        else response.destroy();
      }
    })();
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  deps.allowedHosts = allowedHosts(host, port);
  const origin = `http://${hostPort(host, port)}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      shutdown.abort();
      await triggers.settled();
      server.closeAllConnections();
      await stopped;
    })());
  return { url: `${origin}/#token=${token}`, origin, port, host, token, close };
}
