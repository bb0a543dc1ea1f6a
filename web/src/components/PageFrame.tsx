import { Group, Stack, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useDocumentTitle } from '@mantine/hooks';

/** A page: its heading (also the window title), actions on the right, content below. */
export function PageFrame({ title, actions, children, maxWidth = 1100 }: { title: ReactNode; actions?: ReactNode; children: ReactNode; maxWidth?: number }) {
  useDocumentTitle(typeof title === 'string' ? `${title} · Campaign service` : 'Campaign service');
  return (
    <Stack gap="md" maw={maxWidth} mx="auto" w="100%">
      <Group justify="space-between" align="flex-start" gap="sm">
        <Title order={1} size="h2" style={{ overflowWrap: 'anywhere' }}>
          {title}
        </Title>
        {actions && <Group gap="xs">{actions}</Group>}
      </Group>
      {children}
    </Stack>
  );
}
