/**
 * A small web app that embeds a cluster-cron node. Run as many copies as you like against one
 * table: each slot runs once, never two runs at once, and the others go on when one dies.
 * `PUT /tenants/ID` creates a job for a tenant at run time (every node runs it from its next
 * tick), `DELETE /tenants/ID` removes it; `POST /tenants/ID/reminders?in=SECONDS` creates a
 * one-time job that runs once, that many seconds from now.
 */
import { createServer } from 'node:http';
import { removeJob, startNode, type TickOutcome, upsertJob } from 'cluster-cron';
import config from '../cluster-cron.config.js';

const counts: Partial<Record<TickOutcome['outcome'], number>> = {};
const node = await startNode({
  config,
  ...(process.env.INSTANCE && { instance: process.env.INSTANCE }),
  onOutcome: (outcome) => {
    counts[outcome.outcome] = (counts[outcome.outcome] ?? 0) + 1;
  },
});

/** A tenant's job: its sync every 2 seconds, with the tenant in its args. */
async function tenantRoute(method: string, tenant: string): Promise<unknown> {
  const name = `sync-tenant-${tenant}`;
  if (method === 'PUT') return upsertJob({ config, job: { name, cron: '*/2 * * * * *', class: 'SyncTenant', args: { tenant } } });
  if (method === 'DELETE') return removeJob({ config, job: name });
  throw new Error(`method ${method} is not allowed on /tenants/${tenant}`);
}

/** A reminder for a tenant: a one-time job (`at`), its name unique to it. */
async function reminderRoute(method: string, tenant: string, inSeconds: number): Promise<unknown> {
  if (method !== 'POST') throw new Error(`method ${method} is not allowed on /tenants/${tenant}/reminders`);
  if (!(inSeconds >= 0 && inSeconds <= 366 * 86_400)) throw new Error('give ?in=SECONDS, from 0 to a year');
  const at = new Date(Date.now() + inSeconds * 1_000);
  const job = { name: `remind-${tenant}-${at.getTime()}`, at, class: 'SendReminder', args: { tenant, text: 'your trial ends soon' } };
  return { ...(await upsertJob({ config, job })), at: at.toISOString() };
}

const server = createServer((request, response) => {
  response.setHeader('content-type', 'application/json');
  const url = new URL(request.url ?? '/', 'http://localhost');
  const tenant = /^\/tenants\/([a-z0-9-]{1,40})$/.exec(url.pathname)?.[1];
  const reminderFor = /^\/tenants\/([a-z0-9-]{1,40})\/reminders$/.exec(url.pathname)?.[1];
  if (tenant || reminderFor) {
    const route = tenant
      ? tenantRoute(request.method ?? 'GET', tenant)
      : reminderRoute(request.method ?? 'GET', reminderFor ?? '', Number(url.searchParams.get('in') ?? 'NaN'));
    route.then(
      (answer) => response.end(JSON.stringify(answer)),
      (error: Error) => {
        response.statusCode = 400;
        response.end(JSON.stringify({ error: error.message }));
      },
    );
    return;
  }
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
