/** The machine a benchmark ran on: CPU model and count, memory, Node version, load. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** What the README cites next to the numbers. */
export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryGb: number;
  node: string;
  platform: string;
  loadAverage1m: number;
}

/** Reads the CPU model from /proc/cpuinfo (falls back to os.cpus()), the CPU count as nproc gives it. */
export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.split(':')[1]!.trim();
  } catch {
    // Not Linux: os.cpus() has the model too.
  }
  return {
    cpuModel,
    cpus: os.availableParallelism(),
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}
