/** The JSON log lines (Powertools' Lambda format) a handler writes while it runs. */
import { vi } from 'vitest';

/**
 * Collects the JSON log lines `work` writes to `streams` (stdout by default; Powertools writes
 * warnings and errors to stderr), in the order each stream wrote them.
 */
export async function captureLogs<T>(
  work: () => Promise<T>,
  streams: readonly ('stdout' | 'stderr')[] = ['stdout'],
): Promise<{ result: T; logs: Record<string, unknown>[] }> {
  const chunks: string[] = [];
  const spies = streams.map((name) => {
    const stream = process[name];
    const write = stream.write.bind(stream);
    return vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(String(chunk));
      return write(chunk, ...(rest as []));
    });
  });
  try {
    const result = await work();
    const logs = chunks
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { result, logs };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
