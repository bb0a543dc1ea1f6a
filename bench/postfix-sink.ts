// Debian's postfix `smtp-sink` as the benchmark's SMTP sink: a small C server that costs far less
// CPU than a Node one, so on a 2-core machine more of the CPU is left to what is measured.
// It appends every mail transaction to one dump file (on tmpfs when there is one); the counters the
// bench needs (messages per recipient, the time of the last one) are read from that file.
import { accessSync, constants, existsSync } from 'node:fs';
import { chmod, mkdtemp, open, rm, stat, truncate } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { SinkClient, SinkStats } from './api.ts';
import { startChild, waitFor, type Child } from './procs.ts';

/** The smtp-sink binary (PATH, then /usr/sbin where Debian puts it), or undefined. */
export function findSmtpSink(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin'];
  for (const dir of dirs) {
    const file = join(dir, 'smtp-sink');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

const RCPT = 'X-Rcpt-Args: ';

/** Starts smtp-sink on 127.0.0.1:port; resolves once it accepts connections. */
export async function startPostfixSink(binary: string, port: number): Promise<{ child: Child; client: SinkClient; close(): Promise<void> }> {
  const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'cns-bench-sink-'));
  const dump = join(dir, 'transactions');
  // As root, smtp-sink must drop to another user (-u), which then writes the dump file.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chmod(dir, 0o777);
  const args = [...(asRoot ? ['-u', 'nobody'] : []), '-D', dump, `127.0.0.1:${port}`, '1024'];
  const child = startChild('smtp-sink', args, process.env, (line) => process.stderr.write(`[smtp-sink] ${line}\n`), binary);
  await waitFor('smtp-sink to accept connections', async () => {
    if (child.done) throw new Error('smtp-sink exited at start-up');
    return new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
  }, 10_000);

  let counts = new Map<string, number>();
  let total = 0;
  let offset = 0;
  let partial = '';
  let lastAcceptedAt = 0;

  /** Reads what was appended since the last call and counts its recipients. */
  async function catchUp(): Promise<void> {
    const info = await stat(dump).catch(() => undefined);
    if (!info || info.size <= offset) return;
    const fh = await open(dump, 'r');
    try {
      const buf = Buffer.alloc(info.size - offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      offset += bytesRead;
      const lines = (partial + buf.toString('latin1', 0, bytesRead)).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith(RCPT)) continue;
        const to = (/<([^>]*)>/.exec(line)?.[1] ?? line.slice(RCPT.length)).toLowerCase();
        counts.set(to, (counts.get(to) ?? 0) + 1);
        total++;
      }
    } finally {
      await fh.close();
    }
    // smtp-sink writes a transaction's dump as it ends, so the file's last write is the last message.
    lastAcceptedAt = info.mtimeMs;
  }

  const client: SinkClient = {
    async stats(): Promise<SinkStats> {
      await catchUp();
      return { total, unique: counts.size, duplicates: total - counts.size, lastAcceptedAt, bytes: offset };
    },
    async counts() {
      await catchUp();
      return Object.fromEntries(counts);
    },
    async reset() {
      await catchUp();
      if (existsSync(dump)) await truncate(dump, 0);
      counts = new Map();
      total = 0;
      offset = 0;
      partial = '';
      lastAcceptedAt = 0;
    },
  };
  return { child, client, close: () => rm(dir, { recursive: true, force: true }) };
}
