import { randomBytes } from 'node:crypto';
import { PUBLIC_STATUSES, type CampaignRecord, type CampaignStatus, type CampaignSummary } from '../../../src/domain/campaign.ts';
import { ConflictError, StaleVersionError } from '../../../src/domain/errors.ts';
import type { CampaignAudit, CampaignFields, CampaignPatch, CampaignQuery, CampaignRepository, VersionGuard } from '../../../src/domain/repositories.ts';
import { copy, defined, page, type FakeDb, type StoredCampaign } from './db.ts';

const record = ({ deleted: _, ...c }: StoredCampaign): CampaignRecord => copy(c);
const summary = (c: StoredCampaign): CampaignSummary => {
  const { bodyHtml: _h, bodyText: _t, ...rest } = record(c);
  return rest;
};

/**
 * The campaigns table in memory, with the real repository's rules: a status change applies only
 * from the statuses it names and, when asked, at one version (else STALE_VERSION); an edit bumps
 * the version; a live title is unique (TITLE_TAKEN); the audit entry commits with the change.
 */
export function createFakeCampaignRepository(db: FakeDb): CampaignRepository & {
  /** Conditional update shared with the fake ledger (endCampaign), as updateCampaignFrom is. */
  updateFrom(id: number, from: readonly CampaignStatus[], set: Partial<StoredCampaign>, version?: VersionGuard): boolean;
} {
  const live = (id: number) => {
    const c = db.campaigns.get(id);
    return c && !c.deleted ? c : undefined;
  };

  function assertTitleFree(title: string, self?: number) {
    for (const c of db.campaigns.values()) {
      if (!c.deleted && c.id !== self && c.title === title) throw new ConflictError('A campaign with this title already exists', 'TITLE_TAKEN');
    }
  }

  function updateFrom(id: number, from: readonly CampaignStatus[], set: Partial<StoredCampaign>, version: VersionGuard = {}): boolean {
    const c = live(id);
    if (!c || !from.includes(c.status)) return false;
    if (version.expect !== undefined && c.version !== version.expect) throw new StaleVersionError(c.version, version.expect);
    if (set.title !== undefined) assertTitleFree(set.title, id);
    Object.assign(c, copy(defined(set)), { updatedAt: db.clock.now() });
    if (version.bump) c.version += 1;
    return true;
  }

  return {
    updateFrom,

    async findById(id) {
      const c = live(id);
      return c && record(c);
    },

    async create(fields: CampaignFields, userId: number) {
      assertTitleFree(fields.title);
      const id = db.nextId.campaigns++;
      const now = db.clock.now();
      const c: StoredCampaign = {
        ...copy(fields),
        id,
        messageKey: randomBytes(16).toString('hex'),
        status: 'draft',
        version: 1,
        rejectionReason: null,
        createdBy: userId,
        updatedBy: userId,
        approvedBy: null,
        approvedAt: null,
        startedAt: null,
        completedAt: null,
        fanoutCursor: 0,
        fanoutDone: false,
        createdAt: now,
        updatedAt: now,
        stats: { recipients: 0, pending: 0, sent: 0, failed: 0, skipped: 0, bounced: 0, complained: 0 },
        deleted: false,
      };
      db.campaigns.set(id, c);
      return record(c);
    },

    async transition(id: number, from: readonly CampaignStatus[], set: CampaignPatch, audit?: CampaignAudit, version?: VersionGuard) {
      if (!updateFrom(id, from, set, version)) return false;
      if (audit) db.audit.push(copy(typeof audit === 'function' ? audit({ version: live(id)!.version }) : audit));
      return true;
    },

    async softDelete(id, from, userId) {
      return updateFrom(id, from, { deleted: true, updatedBy: userId });
    },

    async list(q: CampaignQuery) {
      const now = q.publicAt?.getTime();
      const rows = [...db.campaigns.values()]
        .filter(
          (c) =>
            !c.deleted &&
            (q.status === undefined || c.status === q.status) &&
            (q.type === undefined || c.type === q.type) &&
            (q.createdBy === undefined || c.createdBy === q.createdBy) &&
            (q.q === undefined || c.title.toLowerCase().includes(q.q.toLowerCase())) &&
            (now === undefined ||
              ((PUBLIC_STATUSES as readonly CampaignStatus[]).includes(c.status) && (c.endTime === null || c.endTime.getTime() > now))),
        )
        .sort((a, b) => {
          const sort = q.sort ?? '-created_at';
          const dir = sort.startsWith('-') ? -1 : 1;
          const byTime = sort.endsWith('updated_at') ? a.updatedAt.getTime() - b.updatedAt.getTime() : 0;
          return dir * (byTime || a.id - b.id);
        });
      const p = page(rows, q);
      return { rows: p.rows.map(summary), total: p.total };
    },

    async active() {
      return [...db.campaigns.values()].filter((c) => !c.deleted && ['scheduled', 'sending', 'paused'].includes(c.status)).map(record);
    },

    // As the real query: by id alone, a deleted campaign's last status included.
    async statusOf(id) {
      return db.campaigns.get(id)?.status;
    },
  };
}
