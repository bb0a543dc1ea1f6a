import { ActionIcon, Group, Paper, Tooltip } from '@mantine/core';
import { EditorContent, useEditor, useEditorState } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { forwardRef, useEffect, useImperativeHandle, type ReactNode } from 'react';
import './editor.css';
import type { BodyEditorHandle, BodyEditorProps } from './types';

function ToolButton({ label, active, onClick, children }: { label: string; active: boolean; onClick: () => void; children: ReactNode }) {
  return (
    <Tooltip label={label} openDelay={400}>
      <ActionIcon variant={active ? 'filled' : 'default'} color="blue.8" size="md" aria-label={label} aria-pressed={active}
        // A click keeps the focus in the editor: the typing that follows goes to the text, not to this button.
        onMouseDown={(e) => e.preventDefault()} onClick={onClick}>
        {children}
      </ActionIcon>
    </Tooltip>
  );
}

/** The body as rich text (TipTap), written back as HTML: headings, paragraphs, lists, bold, italic, links. */
const RichTextEditor = forwardRef<BodyEditorHandle, BodyEditorProps>(function RichTextEditor({ value, onChange, label, describedBy, invalid, field }, ref) {
  const editor = useEditor({
    extensions: [StarterKit.configure({ link: { openOnClick: false } })],
    content: value,
    immediatelyRender: true,
    onUpdate: ({ editor: e }) => onChange(e.isEmpty ? '' : e.getHTML()),
    editorProps: {
      attributes: {
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-label': label,
        'data-field': field,
        class: 'cns-rich-text',
      },
    },
  });

  // Keep the accessible name, description and validity in step with the form.
  useEffect(() => {
    editor.setOptions({
      editorProps: {
        attributes: {
          role: 'textbox',
          'aria-multiline': 'true',
          'aria-label': label,
          ...(describedBy ? { 'aria-describedby': describedBy } : {}),
          ...(invalid ? { 'aria-invalid': 'true' } : {}),
          'data-field': field,
          class: 'cns-rich-text',
        },
      },
    });
  }, [editor, label, describedBy, invalid, field]);

  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      bold: e.isActive('bold'),
      italic: e.isActive('italic'),
      h2: e.isActive('heading', { level: 2 }),
      bullets: e.isActive('bulletList'),
      numbers: e.isActive('orderedList'),
      link: e.isActive('link'),
    }),
  });

  useImperativeHandle(ref, () => ({
    insert(text) {
      editor.chain().focus().insertContent(text).run();
    },
  }));

  const setLink = () => {
    if (state.link) {
      editor.chain().focus().unsetLink().run();
      return;
    }
    const href = window.prompt('Link address (for example https://example.com or {{unsubscribe_url}})');
    if (href) editor.chain().focus().extendMarkRange('link').setLink({ href }).run();
  };

  return (
    <Paper withBorder radius="sm">
      <Group gap={4} p={6} role="toolbar" aria-label="Formatting" style={{ borderBottom: '1px solid var(--mantine-color-gray-4)' }}>
        <ToolButton label="Bold" active={state.bold} onClick={() => editor.chain().focus().toggleBold().run()}>
          <b>B</b>
        </ToolButton>
        <ToolButton label="Italic" active={state.italic} onClick={() => editor.chain().focus().toggleItalic().run()}>
          <i>I</i>
        </ToolButton>
        <ToolButton label="Heading" active={state.h2} onClick={() => editor.chain().focus().toggleHeading({ level: 2 }).run()}>
          H
        </ToolButton>
        <ToolButton label="Bulleted list" active={state.bullets} onClick={() => editor.chain().focus().toggleBulletList().run()}>
          •
        </ToolButton>
        <ToolButton label="Numbered list" active={state.numbers} onClick={() => editor.chain().focus().toggleOrderedList().run()}>
          1.
        </ToolButton>
        <ToolButton label={state.link ? 'Remove link' : 'Link'} active={state.link} onClick={setLink}>
          <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden>
            <path d="M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7" />
            <path d="M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7" />
          </svg>
        </ToolButton>
      </Group>
      <EditorContent editor={editor} />
    </Paper>
  );
});

export default RichTextEditor;
