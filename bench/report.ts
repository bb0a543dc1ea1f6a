// Markdown tables and the BENCHMARKS.md document, from measured results only.
import type { LoopResult } from './loop.ts';
import type { ApiResult, ApprovalResult, FanOutResult } from './measure.ts';

export interface Results {
  date: Date;
  machine: string;
  versions: { node: string; mariadb: string; redis: string };
  command: string;
  /** Which SMTP sink received the messages. */
  sink: string;
  settings: string;
  minutes: number;
  approvals: ApprovalResult[];
  api: ApiResult[] | undefined;
  fanOut: FanOutResult[];
  /** Single requests' hold on the event loop (bench/loop.ts); undefined when not measured. */
  loop: LoopResult[] | undefined;
  serviceLog: { warnings: number; errors: number; samples: string[] };
}

const OPTIMISATIONS = '## Optimisations';
/** What the event-loop table measures (bench/loop.ts). */
export const LOOP_NOTE = `Requests whose work the tests count (test/edge.test.ts, test/content-limits.test.ts) timed here:
each run alone in the bench process (\`buildApp\` + \`inject\`, from the sources), median of 3 runs. "Busy" is
the event loop's active time during the request; "longest stall" the largest delay of a 1 ms timer meanwhile
(it includes time the OS gave the core to other processes). Template checks and text conversion run on the
checker's threads and are not in either figure.`;
const PLACEHOLDER = '(filled in as bottlenecks are removed; each with before/after figures)';
/** "About the same" worker memory at 100,000 as at 10,000: at most this ratio. */
const RSS_GROWTH_LIMIT = 1.25;

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fix = (n: number, digits = 2) => n.toFixed(digits);
const ratio = (r: FanOutResult) => (r.ceiling ? r.perSecond / r.ceiling.perSecond : undefined);

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function fanOutTable(rows: FanOutResult[]): string {
  return table(
    ['customers', 'workers', 'seconds', 'msgs/s', 'ceiling msgs/s', 'pipeline ÷ ceiling', 'worker peak RSS MB', 'exactly once'],
    rows.map((r) => [
      int(r.size),
      String(r.workers),
      fix(r.seconds),
      int(r.perSecond),
      r.ceiling ? `${int(r.ceiling.perSecond)}${r.ceiling.verified ? '' : ' (count ✗)'}` : '—',
      ratio(r) === undefined ? '—' : `${fix(ratio(r)!)}×`,
      fix(r.rssMb, 0),
      r.exactlyOnce ? '✓' : `✗ ${r.problems.join('; ')}`,
    ]),
  );
}

export function approvalTable(rows: ApprovalResult[]): string {
  return table(
    ['customers', 'approvals', 'p50 ms', 'p99 ms', 'max ms'],
    rows.map((r) => [int(r.customers), String(r.approvals), fix(r.p50, 1), fix(r.p99, 1), fix(r.max, 1)]),
  );
}

export function apiTable(rows: ApiResult[]): string {
  return table(
    ['endpoint', 'req/s', 'ratio to hello-world', 'p99 latency ms', 'non-2xx / errors'],
    rows.map((r) => [r.endpoint, int(r.perSecond), `${fix(r.ratio)}×`, String(r.p99Ms), `${r.non2xx} / ${r.errors}`]),
  );
}

export function loopTable(rows: LoopResult[]): string {
  return table(
    ['request (in-process, alone)', 'answer', 'event loop busy ms', 'longest stall ms'],
    rows.map((r) => [r.request, r.status, fix(r.busyMs, 1), fix(r.stallMs, 1)]),
  );
}

type Verdict = [target: string, measured: string, met: boolean | undefined];

function targets(res: Results): Verdict[] {
  const one = res.fanOut.filter((r) => r.workers === 1 && r.ceiling);
  const two = res.fanOut.filter((r) => r.workers === 2 && r.ceiling);
  const list = (rows: FanOutResult[]) => rows.map((r) => `${int(r.size)}: ${fix(ratio(r)!)}×`).join(', ');
  const out: Verdict[] = [];
  out.push(['Fan-out with one worker process ≥ 0.8 × ceiling', list(one) || 'not measured', one.length ? one.every((r) => ratio(r)! >= 0.8) : undefined]);
  out.push(['Fan-out with two worker processes > 1.0 × ceiling', list(two) || 'not measured', two.length ? two.every((r) => ratio(r)! > 1.0) : undefined]);
  out.push([
    'Approval p99 ≤ 50 ms at any audience size',
    res.approvals.map((a) => `${int(a.customers)}: ${fix(a.p99, 1)} ms`).join(', '),
    res.approvals.length ? res.approvals.every((a) => a.p99 <= 50) : undefined,
  ]);
  const peak = Math.max(...res.fanOut.map((r) => r.rssMb));
  out.push(['Worker peak RSS ≤ 200 MB', res.fanOut.length ? `${fix(peak, 0)} MB (largest of all runs)` : 'not measured', res.fanOut.length ? peak <= 200 : undefined]);
  const at = (size: number) => res.fanOut.find((r) => r.workers === 1 && r.size === size)?.rssMb;
  const small = at(10_000);
  const large = at(100_000);
  out.push([
    `Worker peak RSS about the same at 100,000 as at 10,000 (≤ ${RSS_GROWTH_LIMIT}×)`,
    small && large ? `${fix(small, 0)} MB → ${fix(large, 0)} MB (${fix(large / small)}×)` : 'not measured (needs sizes 10000 and 100000)',
    small && large ? large / small <= RSS_GROWTH_LIMIT : undefined,
  ]);
  const me = res.api?.find((a) => a.endpoint.includes('/v1/users/me'));
  out.push(['Authenticated GET /v1/users/me ≥ 0.3 × hello-world', me ? `${fix(me.ratio)}×` : 'not measured (--skip-api)', me ? me.ratio >= 0.3 : undefined]);
  return out;
}

/** The measured tables (what the run prints). */
export function tables(res: Results): string {
  const parts = ['## Fan-out', fanOutTable(res.fanOut), '## Approval latency', approvalTable(res.approvals)];
  if (res.api) parts.push('## API', apiTable(res.api));
  if (res.loop) parts.push('## Event-loop work', LOOP_NOTE, loopTable(res.loop));
  parts.push(
    '## Targets',
    table(
      ['target', 'measured', 'met?'],
      targets(res).map(([t, m, met]) => [t, m, met === undefined ? '—' : met ? 'met' : 'not met']),
    ),
  );
  return parts.join('\n\n');
}

export function document(res: Results): string {
  const log = res.serviceLog;
  const notes = [
    `Service log lines at warn or above during the run: ${log.warnings} warn, ${log.errors} error or fatal.`,
    ...log.samples.map((s) => `    ${s}`),
  ].join('\n');
  return `# Benchmarks

Measured on ${res.date.toISOString()} by \`${res.command}\` (took ${fix(res.minutes, 1)} min).

- Machine: ${res.machine}
- Node ${res.versions.node}, MariaDB ${res.versions.mariadb}, Redis ${res.versions.redis}
- Settings: ${res.settings}

Fan-out time runs from the start of the approve request to the SMTP sink's last accepted message
(${res.sink}). The ceiling is pooled nodemailer alone (\`bench/ceiling.ts\`)
sending the same number of messages of the same shape to the same sink with as many in flight as the
pipeline allows. Approval latency is measured with no worker running. Every figure below is as measured
by \`npm run bench\`; none is edited by hand.

${tables(res)}

${notes}

${OPTIMISATIONS}

${PLACEHOLDER}
`;
}

/** Keeps an existing "## Optimisations" section (filled in by hand) when the document is rewritten. */
export function keepOptimisations(fresh: string, previous: string | undefined): string {
  const at = previous?.indexOf(`\n${OPTIMISATIONS}`) ?? -1;
  if (!previous || at < 0) return fresh;
  return fresh.slice(0, fresh.indexOf(`\n${OPTIMISATIONS}`)) + previous.slice(at);
}
