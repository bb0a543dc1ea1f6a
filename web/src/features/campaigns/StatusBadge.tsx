import { Badge } from '@mantine/core';
import { STATUS_LABEL, type CampaignStatus } from './types';

// Light badges with the darkest shade of text: every pair passes WCAG AA contrast.
const COLOR: Record<CampaignStatus, string> = {
  draft: 'gray',
  pending_approval: 'orange',
  rejected: 'red',
  scheduled: 'cyan',
  sending: 'blue',
  paused: 'yellow',
  completed: 'green',
  cancelled: 'dark',
};

export function StatusBadge({ status }: { status: CampaignStatus }) {
  return (
    <Badge variant="light" color={COLOR[status]} styles={{ label: { color: `var(--mantine-color-${COLOR[status]}-9)` } }}>
      {STATUS_LABEL[status]}
    </Badge>
  );
}
