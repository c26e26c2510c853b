/**
 * The embedded local DynamoDB: dynalite (open source, speaks the DynamoDB API) on loopback,
 * its data kept in a folder so a restart loses nothing, or in memory for throwaway runs.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { createConnection } from 'node:net';
import dynalite from 'dynalite';

/** A running local server. */
export interface LocalDynamo {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/** Options of the local server. */
export interface LocalDynamoOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Folder for the data; omitted: in memory. */
  dataDir?: string;
}

/** Starts dynalite on loopback; rejects with EADDRINUSE when the port is taken. */
export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const host = options.host ?? '127.0.0.1';
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  // Tables become ACTIVE quickly, as they do in practice for on-demand tables.
  const server: Server = dynalite({
    createTableMs: 20,
    deleteTableMs: 20,
    updateTableMs: 20,
    ...(options.dataDir && { path: options.dataDir }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** True when something accepts TCP connections at host:port within `timeoutMs`. */
export function isListening(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
