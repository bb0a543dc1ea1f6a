import { Code, Paper, Stack, Tabs, Text, Title } from '@mantine/core';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { MessageFrame } from '../../components/MessageFrame';
import type { Preview } from './types';

/** The message as rendered for the reader (the caller as the sample recipient): HTML in a frame that runs no script, and the text. */
export function PreviewView({ preview, widths }: { preview: Preview; widths?: { label: string; width?: number }[] }) {
  const views = widths ?? [{ label: 'HTML' }];
  return (
    <Stack gap="sm">
      <Text size="sm">
        <Text span fw={700}>
          Subject:
        </Text>{' '}
        {preview.subject}
      </Text>
      <Text size="sm" c="dimmed">
        As {preview.recipient} will receive it.
      </Text>
      <Tabs defaultValue="0" keepMounted={false}>
        <Tabs.List>
          {views.map((v, i) => (
            <Tabs.Tab key={v.label} value={String(i)}>
              {v.label}
            </Tabs.Tab>
          ))}
          <Tabs.Tab value="text">Text version</Tabs.Tab>
        </Tabs.List>
        {views.map((v, i) => (
          <Tabs.Panel key={v.label} value={String(i)} pt="sm">
            <MessageFrame html={preview.html} title={`Email preview, ${v.label}`} width={v.width} />
          </Tabs.Panel>
        ))}
        <Tabs.Panel value="text" pt="sm">
          <Code block role="region" aria-label="Text version" tabIndex={0} style={{ whiteSpace: 'pre-wrap', maxHeight: 520, overflow: 'auto' }}>
            {preview.text}
          </Code>
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

/** A preview section with its loading and error states. */
export function PreviewPanel({ query }: { query: { isPending: boolean; isError: boolean; error: unknown; data?: Preview; refetch: () => unknown } }) {
  return (
    <Paper withBorder p="lg">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Preview
        </Title>
        {query.isPending && <LoadingState label="Rendering the preview" />}
        {query.isError && <ErrorState error={query.error} title="The preview could not be rendered" onRetry={() => query.refetch()} />}
        {query.data && <PreviewView preview={query.data} />}
      </Stack>
    </Paper>
  );
}
