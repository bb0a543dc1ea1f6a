import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';

export interface Dovecot {
  port: number;
  user: string;
  password: string;
  /** imap://user:password@127.0.0.1:port/INBOX (STARTTLS offered with a self-signed certificate, hence tls_verify=false). */
  url: string;
  /** A connected client as the mailbox user, for APPEND and for reading flags back. */
  client(): Promise<ImapFlow>;
  /** Puts a raw message into INBOX (IMAP APPEND) and returns its UID. */
  append(raw: string | Buffer, flags?: string[]): Promise<number>;
  /** The flags of every message in INBOX (or `folder`), by UID (without \Recent, which only says which session saw it first). */
  flags(folder?: string): Promise<Map<number, Set<string>>>;
  log(): string;
  stop(): Promise<void>;
}

const DOVECOT = '/usr/sbin/dovecot';

/** A TCP port on 127.0.0.1 that nothing listens on at the time of the call. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Debian's Dovecot on a free port of 127.0.0.1. A fixed port would clash, now and then, with the
 * source port of an outgoing connection (this range is Linux's ephemeral one); a port another
 * process takes between the check and Dovecot's bind is tried again with another.
 */
export async function startDovecot(): Promise<Dovecot> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDovecotOn(await freePort());
    } catch (err) {
      if (attempt >= 5 || !/Address already in use/.test(String(err))) throw err;
    }
  }
}

/**
 * Debian's Dovecot on 127.0.0.1:`port`, with everything under a temp dir: its own configuration,
 * a passwd-file user, Maildir storage, plaintext login allowed, and STARTTLS with a self-signed
 * certificate. Run in the foreground and stopped by its pid.
 */
async function startDovecotOn(port: number): Promise<Dovecot> {
  const dir = mkdtempSync(join(tmpdir(), 'cns-dovecot-'));
  chmodSync(dir, 0o755);
  const user = 'bounces';
  const password = 'p@ss/wo%rd#1';
  const root = process.getuid?.() === 0;
  // As root the services run as Debian's dovecot/dovenull users and the mail as nobody; otherwise all as the current user.
  const me = userInfo();
  const mailUid = root ? 65534 : me.uid;
  const mailGid = root ? 65534 : me.gid;
  const home = join(dir, 'home');
  mkdirSync(home);
  if (root) chownSync(home, mailUid, mailGid);
  writeFileSync(join(dir, 'passwd'), `${user}:{PLAIN}${password}::::::\n`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  chmodSync(join(dir, 'key.pem'), 0o644);
  const conf = `
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <${dir}/cert.pem
ssl_key = <${dir}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = ${root ? 'dovecot' : me.username}
default_internal_group = ${root ? 'dovecot' : me.username}
default_login_user = ${root ? 'dovenull' : me.username}
first_valid_uid = ${mailUid}
last_valid_uid = ${mailUid}
mail_location = maildir:${home}/%u/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${mailUid} gid=${mailGid} home=${home}/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
`;
  writeFileSync(join(dir, 'dovecot.conf'), conf);
  const proc: ChildProcess = spawn(DOVECOT, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const log = () => {
    let file = '';
    try {
      file = readFileSync(join(dir, 'dovecot.log'), 'utf8');
    } catch {
      // not written yet
    }
    return `${stderr}${file}`;
  };
  await waitForPort(port, proc, log);

  const url = `imap://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/INBOX?tls_verify=false`;
  const client = async () => {
    const c = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      auth: { user, pass: password },
      tls: { rejectUnauthorized: false },
      logger: false,
      disableAutoIdle: true,
    });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  return {
    port,
    user,
    password,
    url,
    client,
    async append(raw, flags = []) {
      const c = await client();
      try {
        const res = await c.append('INBOX', raw, flags);
        if (!res || !res.uid) throw new Error('APPEND returned no UID');
        return res.uid;
      } finally {
        await c.logout();
      }
    },
    async flags(folder = 'INBOX') {
      const c = await client();
      try {
        const lock = await c.getMailboxLock(folder);
        try {
          const out = new Map<number, Set<string>>();
          const status = await c.status(folder, { messages: true });
          if (!status || !status.messages) return out;
          for (const m of await c.fetchAll('1:*', { uid: true, flags: true })) out.set(m.uid, new Set([...(m.flags ?? [])].filter((f) => f !== '\\Recent')));
          return out;
        } finally {
          lock.release();
        }
      } finally {
        await c.logout();
      }
    },
    log,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, proc: ChildProcess, log: () => string) {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`dovecot exited (${proc.exitCode}):\n${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`dovecot did not listen on ${port}:\n${log()}`);
}
