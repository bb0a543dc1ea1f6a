import { Badge } from '@mantine/core';
import { STATUS_LABEL, type CampaignStatus } from './types';

// Filled with shades white text reads on at WCAG AA (all ≥ 5:1; Mantine's green and orange are not).
const COLOR: Record<CampaignStatus, string> = {
  draft: 'gray.7',
  pending_approval: 'violet.9',
  rejected: 'red.9',
  scheduled: 'cyan.9',
  sending: 'blue.9',
  paused: 'grape.9',
  completed: 'teal.9',
  cancelled: 'dark.6',
};

export function StatusBadge({ status }: { status: CampaignStatus }) {
  return (
    <Badge variant="filled" color={COLOR[status]}>
      {STATUS_LABEL[status]}
    </Badge>
  );
}
