import { SendError, type Mailer, type OutgoingMail, type SendErrorKind } from '../../../src/domain/ports.ts';

/** What one try to one recipient does: accepted, or refused with a SendError of this kind and message. */
export type Outcome = 'accept' | { kind: SendErrorKind; message: string };

/** Decides a try: the recipient's address and which try to them it is (1-based). May wait, to hold a send in flight. */
export type Script = (to: string, attempt: number, mail: OutgoingMail) => Outcome | Promise<Outcome>;

export interface ScriptedMailer extends Mailer {
  /** Every try, accepted or not, in order. */
  tries: OutgoingMail[];
  /** The messages accepted, in order. */
  accepted: OutgoingMail[];
  /** Addresses → number of accepted messages. */
  counts(): Map<string, number>;
  /** Replaces the script; the default accepts everything. */
  setScript(script: Script): void;
  /** Per-address outcomes, one per try; a try past the list (or an address not listed) is accepted. */
  scriptPerRecipient(outcomes: Record<string, Outcome[]>): void;
  closed: boolean;
}

/** A Mailer whose answers a test writes: accept, or throw the SendError kind the real one would. */
export function createScriptedMailer(script: Script = () => 'accept'): ScriptedMailer {
  const attempts = new Map<string, number>();
  const m: ScriptedMailer = {
    tries: [],
    accepted: [],
    closed: false,
    counts() {
      const n = new Map<string, number>();
      for (const mail of m.accepted) n.set(mail.to, (n.get(mail.to) ?? 0) + 1);
      return n;
    },
    setScript: (s) => void (script = s),
    scriptPerRecipient(outcomes) {
      script = (to, attempt) => outcomes[to]?.[attempt - 1] ?? 'accept';
    },
    async send(mail) {
      const attempt = (attempts.get(mail.to) ?? 0) + 1;
      attempts.set(mail.to, attempt);
      m.tries.push(mail);
      const outcome = await script(mail.to, attempt, mail);
      if (outcome !== 'accept') throw new SendError(outcome.message, outcome.kind);
      m.accepted.push(mail);
    },
    close() {
      m.closed = true;
    },
  };
  return m;
}
