import { EmptyState } from '@mantine/core';
import type { ReactNode } from 'react';

/** What a list shows when it has nothing, and what to do about it. */
export function Empty({ title, description, action }: { title: string; description?: ReactNode; action?: ReactNode }) {
  return (
    <EmptyState title={title} description={description} py="xl">
      {action && <EmptyState.Actions>{action}</EmptyState.Actions>}
    </EmptyState>
  );
}
