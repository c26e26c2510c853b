/**
 * A small web app that embeds a cluster-cron node. Run as many copies as you like against one
 * table: each slot runs once, never two runs at once, and the others go on when one dies.
 */
import { createServer } from 'node:http';
import { startNode, type TickOutcome } from 'cluster-cron';
import config from '../cluster-cron.config.js';

const counts: Partial<Record<TickOutcome['outcome'], number>> = {};
const node = await startNode({
  config,
  ...(process.env.INSTANCE && { instance: process.env.INSTANCE }),
  onOutcome: (outcome) => {
    counts[outcome.outcome] = (counts[outcome.outcome] ?? 0) + 1;
  },
});

const server = createServer((request, response) => {
  response.setHeader('content-type', 'application/json');
  response.end(
    JSON.stringify(
      request.url === '/scheduler' ? { instance: node.instance, jobs: node.jobs.map((job) => job.name), counts } : { hello: 'world' },
    ),
  );
});
server.listen(Number(process.env.PORT ?? 3000), () => {
  const address = server.address();
  process.stderr.write(`listening on ${typeof address === 'object' && address ? address.port : address}\n`);
});

// Shutting down is the app's choice: stop serving, then let the node finish its runs and
// release its leases, so another node can take the job at once instead of after a lease.
process.once('SIGTERM', () => {
  server.close();
  void node.stop('SIGTERM').then(() => process.exit(0));
});
