import { audienceAudit } from '../domain/audit.ts';
import { GENERAL_TOPIC_ID } from '../domain/customer.ts';
import { ConflictError, NotFoundError } from '../domain/errors.ts';
import type { SegmentRepository, TopicRecord, TopicRepository } from '../domain/repositories.ts';
import type { Principal } from '../domain/types.ts';

export type TopicService = ReturnType<typeof createTopicService>;

export interface TopicInput {
  name: string;
  description?: string;
  doubleOptIn?: boolean;
  subscribeOnSignup?: boolean;
}

/** Topics; every change audited. Topic 1 (General) and topics a segment names cannot be deleted. */
export function createTopicService(deps: { topics: TopicRepository; segments: SegmentRepository }) {
  const { topics, segments } = deps;

  async function get(id: number): Promise<TopicRecord> {
    const t = await topics.find(id);
    if (!t) throw new NotFoundError('Topic');
    return t;
  }

  return {
    list: () => topics.list(),

    async create(p: Principal, input: TopicInput): Promise<TopicRecord> {
      const id = await topics.create(
        { name: input.name, description: input.description ?? '', doubleOptIn: input.doubleOptIn ?? false, subscribeOnSignup: input.subscribeOnSignup ?? true, createdBy: p.userId },
        (id) => audienceAudit(p.userId, 'topic', 'created', id, { name: input.name }),
      );
      return get(id);
    },

    async update(p: Principal, id: number, input: Partial<TopicInput>): Promise<TopicRecord> {
      await get(id);
      const ok = await topics.update(id, input, audienceAudit(p.userId, 'topic', 'updated', id, { fields: Object.keys(input) }));
      if (!ok) throw new NotFoundError('Topic');
      return get(id);
    },

    async delete(p: Principal, id: number): Promise<void> {
      const t = await get(id);
      if (id === GENERAL_TOPIC_ID) throw new ConflictError('General is every campaign’s default topic and cannot be deleted', 'IN_USE');
      if (await segments.usesTopic(id)) throw new ConflictError('A segment uses this topic: change the segment first', 'IN_USE');
      if (!(await topics.delete(id, audienceAudit(p.userId, 'topic', 'deleted', id, { name: t.name })))) throw new NotFoundError('Topic');
    },
  };
}
