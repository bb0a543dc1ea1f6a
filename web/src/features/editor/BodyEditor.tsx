import { Group, Loader, SegmentedControl, Stack, Text, UnstyledButton } from '@mantine/core';
import { lazy, Suspense, useId, useRef, useState } from 'react';
import { type BodyEditorHandle, problemAt } from './types';
import { VariablePicker } from './VariablePicker';

// Each editor is its own chunk, loaded when its mode is first shown.
const HtmlEditor = lazy(() => import('./HtmlEditor'));
const RichTextEditor = lazy(() => import('./RichTextEditor'));

export type BodyMode = 'html' | 'rich';

const LABEL: Record<BodyMode, string> = { html: 'HTML body', rich: 'Rich text body' };

/**
 * The HTML body, written as HTML (highlighted, line numbers) or as rich text, with a variable picker;
 * a template error is shown under it with its line and column, and in HTML the line is marked.
 */
export function BodyEditor({
  value,
  onChange,
  error,
  promotion,
  field = 'body_html',
}: {
  value: string;
  onChange: (value: string) => void;
  error?: string;
  promotion: boolean;
  field?: string;
}) {
  const [mode, setMode] = useState<BodyMode>('html');
  const editor = useRef<BodyEditorHandle>(null);
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const at = problemAt(error);
  const label = LABEL[mode];

  return (
    <Stack gap={6}>
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="xs">
        <div>
          <Text component="div" size="sm" fw={500} id={`${id}-label`}>
            {label}{' '}
            <Text span c="red.8" aria-hidden>
              *
            </Text>
          </Text>
          <Text size="xs" c="dark.4" id={hintId}>
            {mode === 'html'
              ? 'Variables such as {{first_name}}; blocks: {{#if …}} … {{/if}}. Tab leaves the editor.'
              : 'Headings, paragraphs, lists, bold, italic and links. Other HTML is dropped when you edit here.'}
          </Text>
        </div>
        <Group gap="xs">
          <SegmentedControl
            size="xs"
            value={mode}
            onChange={(m) => setMode(m as BodyMode)}
            data={[
              { value: 'html', label: 'HTML' },
              { value: 'rich', label: 'Rich text' },
            ]}
            aria-label="Editor mode"
          />
          <VariablePicker label="Insert variable in the body" promotion={promotion} onPick={(text) => editor.current?.insert(text)} />
        </Group>
      </Group>
      <Suspense
        fallback={
          <Group gap="xs" mih={220} align="center" justify="center">
            <Loader size="sm" aria-hidden />
            <Text size="sm">Loading the editor…</Text>
          </Group>
        }
      >
        {mode === 'html' ? (
          <HtmlEditor
            ref={editor}
            value={value}
            onChange={onChange}
            label={label}
            describedBy={error ? `${errorId} ${hintId}` : hintId}
            invalid={Boolean(error)}
            errorLine={at?.line}
            field={field}
          />
        ) : (
          <RichTextEditor
            ref={editor}
            value={value}
            onChange={onChange}
            label={label}
            describedBy={error ? `${errorId} ${hintId}` : hintId}
            invalid={Boolean(error)}
            field={field}
          />
        )}
      </Suspense>
      {error && (
        <Text size="sm" c="red.9" id={errorId} style={{ whiteSpace: 'pre-line' }}>
          {error}
          {at && mode === 'html' && (
            <>
              {' '}
              <UnstyledButton
                onClick={() => editor.current?.goTo?.(at.line, at.column)}
                style={{ textDecoration: 'underline', color: 'var(--mantine-color-red-9)', fontSize: 'inherit' }}
              >
                Go to line {at.line}
              </UnstyledButton>
            </>
          )}
        </Text>
      )}
    </Stack>
  );
}
