/**
 * A fault proxy on loopback between nodes and the local DynamoDB: each HTTP request is
 * forwarded, or dropped before it reaches the server, or delayed, or forwarded and its
 * response thrown away (the write landed, the caller never hears: the SDK retries it).
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Probabilities per request. */
export interface ProxyFaults {
  drop: number;
  delay: number;
  maxDelayMs: number;
  loseResponse: number;
}

/** A running proxy. */
export interface FaultProxy {
  endpoint: string;
  /** Requests seen and faults injected, by kind. */
  counts: { requests: number; dropped: number; delayed: number; lostResponses: number };
  /** Changes the fault rates from now on (all zero: a clean pipe). */
  setFaults(faults: ProxyFaults): void;
  close(): Promise<void>;
}

/** Starts a proxy to `upstream` (an http://host:port endpoint). */
export async function startFaultProxy(upstream: string, faults: ProxyFaults, random: () => number = Math.random): Promise<FaultProxy> {
  const target = new URL(upstream);
  let rates = faults;
  const counts = { requests: 0, dropped: 0, delayed: 0, lostResponses: 0 };
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const upstreamRequest = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamResponse) => {
        const chunks: Buffer[] = [];
        upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
        upstreamResponse.on('end', () => {
          if (random() < rates.loseResponse) {
            counts.lostResponses++;
            res.socket?.destroy();
            return;
          }
          res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          res.end(Buffer.concat(chunks));
        });
      },
    );
    upstreamRequest.on('error', () => res.socket?.destroy());
    upstreamRequest.end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      counts.requests++;
      if (random() < rates.drop) {
        counts.dropped++;
        req.socket.destroy();
        return;
      }
      const body = Buffer.concat(chunks);
      if (random() < rates.delay) {
        counts.delayed++;
        setTimeout(() => forward(req, res, body), Math.floor(random() * rates.maxDelayMs));
      } else {
        forward(req, res, body);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    setFaults: (next) => {
      rates = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
