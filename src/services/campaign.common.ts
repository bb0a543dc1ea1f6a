import { assertTransition, isPublic, TRANSITIONS, type CampaignAction, type CampaignRecord, type CampaignType } from '../domain/campaign.ts';
import { ConflictError, NotFoundError } from '../domain/errors.ts';
import type { CampaignAudit, CampaignPatch, CampaignRepository, VersionGuard } from '../domain/repositories.ts';
import { ROLE_IDS, type Clock, type Principal } from '../domain/types.ts';

export interface CampaignInput {
  type: CampaignType;
  title: string;
  description?: string;
  remarks?: string;
  subject: string;
  bodyHtml: string;
  bodyText?: string | null;
  promoCode?: string | null;
  startTime?: Date | null;
  endTime?: Date | null;
}

/** A campaign as a caller may see it: customers get the public view only. */
export interface CampaignView<R = CampaignRecord> {
  record: R;
  publicOnly?: true;
}

/** True when the caller is a customer. */
export const isCustomer = (p: Principal) => p.roleId === ROLE_IDS.customer;
/** True when the caller is an admin. */
export const isAdmin = (p: Principal) => p.roleId === ROLE_IDS.admin;

/** Loading a campaign as a caller may see it, and moving it along the transition table: what the campaign service's parts share. */
export function createCampaignCommon({ campaigns, clock }: { campaigns: CampaignRepository; clock: Clock }) {
  const now = () => clock.now();

  /** Loads a campaign the caller may see: managers only their own, customers only the public ones; else 404. */
  async function load(p: Principal, id: number): Promise<CampaignRecord> {
    const c = await campaigns.findById(id);
    if (!c) throw new NotFoundError('Campaign');
    if (p.roleId === ROLE_IDS.manager && c.createdBy !== p.userId) throw new NotFoundError('Campaign');
    if (isCustomer(p) && !isPublic(c, now())) throw new NotFoundError('Campaign');
    return c;
  }

  /** Like load, for staff-only views (preview, stats, deliveries): customers' view has none of them, so 404. */
  async function loadInternal(p: Principal, id: number): Promise<CampaignRecord> {
    if (isCustomer(p)) throw new NotFoundError('Campaign');
    return load(p, id);
  }

  /** After a conditional update matched nothing: reports the campaign's real status (or that it is gone). */
  async function lostRace(id: number, action: CampaignAction): Promise<never> {
    const fresh = await campaigns.findById(id);
    if (!fresh) throw new NotFoundError('Campaign');
    assertTransition(fresh.status, action);
    throw new ConflictError('The campaign changed meanwhile; try again');
  }

  /**
   * Moves a campaign along the transition table, with its audit entry (if any) in the same
   * transaction; a lost race reloads and reports the real status.
   */
  async function move(c: CampaignRecord, action: CampaignAction, set: CampaignPatch, audit?: CampaignAudit, version?: VersionGuard) {
    assertTransition(c.status, action);
    if (!(await campaigns.transition(c.id, TRANSITIONS[action].from, set, audit, version))) await lostRace(c.id, action);
    return (await campaigns.findById(c.id))!;
  }

  return { now, load, loadInternal, lostRace, move };
}
