import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { html } from '@codemirror/lang-html';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState, RangeSetBuilder, StateEffect, StateField } from '@codemirror/state';
import { Decoration, EditorView, highlightActiveLine, keymap, lineNumbers, placeholder, type DecorationSet } from '@codemirror/view';
import { tags as t } from '@lezer/highlight';
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import type { BodyEditorHandle, BodyEditorProps } from './types';

const setErrorLine = StateEffect.define<number | undefined>();
const errorMark = Decoration.line({ attributes: { class: 'cns-error-line' } });

/** The line a template error names, marked until the next check. */
const errorLineField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setErrorLine)) continue;
      const b = new RangeSetBuilder<Decoration>();
      if (e.value && e.value <= tr.state.doc.lines) {
        const line = tr.state.doc.line(e.value);
        b.add(line.from, line.from, errorMark);
      }
      deco = b.finish();
    }
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

// Colours that read at WCAG AA on white and on the marked lines (CodeMirror's default ones do not all).
const highlight = HighlightStyle.define([
  { tag: [t.tagName, t.typeName], color: '#1864ab' },
  { tag: t.attributeName, color: '#5f3dc4' },
  { tag: [t.attributeValue, t.string], color: '#a61e4d' },
  { tag: [t.angleBracket, t.meta, t.processingInstruction, t.documentMeta], color: '#495057' },
  { tag: t.comment, color: '#495057', fontStyle: 'italic' },
  { tag: t.character, color: '#087f5b' },
  { tag: t.invalid, color: '#c92a2a' },
]);

const theme = EditorView.theme({
  '&': { fontSize: '13px', border: '1px solid var(--mantine-color-gray-5)', borderRadius: '4px', background: '#fff', color: '#212529' },
  '&.cm-focused': { outline: '2px solid var(--mantine-color-blue-7)', outlineOffset: '1px' },
  '.cm-content': { fontFamily: 'var(--mantine-font-family-monospace)', minHeight: '220px', padding: '8px 0' },
  '.cm-scroller': { maxHeight: '520px', overflow: 'auto' },
  '.cm-gutters': { background: '#f1f3f5', color: '#495057', borderRight: '1px solid var(--mantine-color-gray-4)' },
  '.cm-activeLine': { background: 'rgba(34, 139, 230, 0.04)' },
  '.cns-error-line': { background: '#fff0f0', boxShadow: 'inset 3px 0 0 #c92a2a' },
  '.cm-placeholder': { color: '#495057' },
});

/** The HTML body in CodeMirror: highlighting, line numbers, undo; Tab leaves the editor (Escape-free keyboard use). */
const HtmlEditor = forwardRef<BodyEditorHandle, BodyEditorProps>(function HtmlEditor({ value, onChange, label, describedBy, invalid, errorLine, field }, ref) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const attrs = useRef(new Compartment());
  const change = useRef(onChange);
  change.current = onChange;

  const contentAttributes = () =>
    EditorView.contentAttributes.of({
      'aria-label': label,
      'aria-multiline': 'true',
      ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      ...(invalid ? { 'aria-invalid': 'true' } : {}),
      'data-field': field,
      spellcheck: 'false',
    });

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          history(),
          highlightActiveLine(),
          html({ autoCloseTags: false }),
          syntaxHighlighting(highlight),
          EditorView.lineWrapping,
          keymap.of([...defaultKeymap, ...historyKeymap]),
          placeholder('<h1>Hello {{first_name}}</h1>'),
          errorLineField,
          theme,
          attrs.current.of(contentAttributes()),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) change.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The editor owns its text once mounted; the form follows it through onChange.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: attrs.current.reconfigure(contentAttributes()) });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [label, describedBy, invalid, field]);

  useEffect(() => {
    view.current?.dispatch({ effects: setErrorLine.of(errorLine) });
  }, [errorLine]);

  // A value set from outside (a reset, the other mode) replaces the text.
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  useImperativeHandle(ref, () => ({
    insert(text) {
      const v = view.current;
      if (!v) return;
      v.dispatch(v.state.replaceSelection(text), { scrollIntoView: true });
      v.focus();
    },
    goTo(line, column) {
      const v = view.current;
      if (!v) return;
      const l = v.state.doc.line(Math.min(Math.max(1, line), v.state.doc.lines));
      const pos = Math.min(l.from + Math.max(0, column - 1), l.to);
      v.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
      v.focus();
    },
  }));

  return <div ref={host} />;
});

export default HtmlEditor;
