/** A rendered email in a frame that runs no script (sandbox without allow-scripts) and reaches nothing of the app. */
export function MessageFrame({ html, title, width, height = 460 }: { html: string; title: string; width?: number; height?: number }) {
  return (
    <iframe
      sandbox=""
      srcDoc={html}
      title={title}
      style={{ width: width ? `${width}px` : '100%', maxWidth: '100%', height, border: '1px solid var(--mantine-color-gray-4)', borderRadius: 8, background: '#fff' }}
    />
  );
}
