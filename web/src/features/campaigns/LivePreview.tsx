import { Group, List, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { ApiError, describeError } from '../../api/errors';
import { useRender } from './hooks';
import { PreviewView } from './PreviewPanel';
import type { Preview, RenderInput } from './types';

const FIELD_LABEL: Record<string, string> = { subject: 'Subject', body_html: 'HTML body', body_text: 'Text body', promo_code: 'Promo code' };

/** The form's message fields, rendered 400 ms after the last keystroke; the template problems by field. */
export function useLiveRender(fields: RenderInput) {
  const [debounced] = useDebouncedValue(JSON.stringify(fields), 400);
  const input = JSON.parse(debounced) as RenderInput;
  const ready = input.subject.trim() !== '' && input.body_html.trim() !== '';
  const query = useRender(input, { enabled: ready });
  // While the current content does not render, the last one that did stays in view.
  const [lastGood, setLastGood] = useState<Preview | undefined>(undefined);
  if (query.data && query.data !== lastGood) setLastGood(query.data);
  const problems = query.error instanceof ApiError && query.error.status === 400 ? query.error.details : [];
  return { query, ready, problems, shown: ready ? (query.data ?? lastGood) : undefined, settling: debounced !== JSON.stringify(fields) };
}

/** The live preview beside the editor: the last content that rendered, and what stops the current one. */
export function LivePreview({ live }: { live: ReturnType<typeof useLiveRender> }) {
  const { query, ready, problems, shown, settling } = live;
  const busy = ready && (settling || query.isFetching);
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="live-preview-heading">
      <Stack gap="sm">
        <Group justify="space-between" gap="xs">
          <Title order={2} size="h4" id="live-preview-heading">
            Live preview
          </Title>
          <Text size="sm" c="dark.4" aria-live="polite">
            {busy ? (
              <Group gap={6} component="span">
                <Loader size="xs" aria-hidden /> Updating…
              </Group>
            ) : problems.length > 0 ? (
              'Not updated: fix the problems below'
            ) : shown ? (
              'Up to date'
            ) : (
              ''
            )}
          </Text>
        </Group>
        {!ready && <Text size="sm">Write a subject and a body to see the message as it will arrive.</Text>}
        {problems.length > 0 && (
          <div role="alert">
            <List size="sm" c="red.9">
              {problems.map((p) => (
                <List.Item key={`${p.field}:${p.message}`}>
                  {FIELD_LABEL[p.field] ?? p.field}: {p.message}
                </List.Item>
              ))}
            </List>
          </div>
        )}
        {query.isError && problems.length === 0 && <Text size="sm" c="red.9">{describeError(query.error)}</Text>}
        {shown && <PreviewView preview={shown} />}
      </Stack>
    </Paper>
  );
}
