import { describe, expect, it } from 'vitest';
import { assertTransition, TRANSITIONS, type CampaignAction, type CampaignStatus } from '../../src/domain/campaign.ts';
import { InvalidStateError } from '../../src/domain/errors.ts';

/** The transition table: every action from every status, written out here rather than read from the table. */

const STATUSES: CampaignStatus[] = ['draft', 'pending_approval', 'rejected', 'scheduled', 'sending', 'paused', 'completed', 'cancelled'];
const ACTIONS: CampaignAction[] = ['edit', 'submit', 'approve', 'reject', 'start', 'pause', 'resume', 'cancel', 'finish', 'expire', 'delete'];

/** What each status allows; completed and cancelled are final. */
const ALLOWED: Record<CampaignStatus, CampaignAction[]> = {
  draft: ['edit', 'submit', 'delete'],
  pending_approval: ['edit', 'approve', 'reject', 'delete'],
  rejected: ['edit', 'delete'],
  scheduled: ['start', 'cancel', 'expire'],
  sending: ['pause', 'cancel', 'finish', 'expire'],
  paused: ['resume', 'cancel', 'expire'],
  completed: [],
  cancelled: [],
};

/** Where each action leads; approve goes to scheduled or sending (by start_time), delete soft-deletes. */
const TARGET: Record<CampaignAction, CampaignStatus | null> = {
  edit: 'draft',
  submit: 'pending_approval',
  approve: null,
  reject: 'rejected',
  start: 'sending',
  pause: 'paused',
  resume: 'sending',
  cancel: 'cancelled',
  finish: 'completed',
  expire: 'completed',
  delete: null,
};

describe('campaign transitions', () => {
  const cases = STATUSES.flatMap((status) => ACTIONS.map((action) => [status, action, ALLOWED[status].includes(action)] as const));

  it.each(cases)('from %s, %s is allowed: %s', (status, action, allowed) => {
    expect(TRANSITIONS[action].from.includes(status)).toBe(allowed);
    if (allowed) {
      expect(() => assertTransition(status, action)).not.toThrow();
      return;
    }
    let thrown: unknown;
    try {
      assertTransition(status, action);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidStateError);
    expect(thrown).toMatchObject({
      status: 409,
      code: 'INVALID_STATE',
      currentStatus: status,
      message: `Cannot ${action} a campaign whose status is ${status}`,
      details: [{ field: 'status', message: `current status is ${status}` }],
    });
  });

  it('names a target for each action', () => {
    for (const action of ACTIONS) expect(TRANSITIONS[action].to, action).toBe(TARGET[action]);
  });

  it('has exactly these actions and no status outside the lifecycle', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...ACTIONS].sort());
    for (const { from } of Object.values(TRANSITIONS)) for (const s of from) expect(STATUSES).toContain(s);
  });
});
