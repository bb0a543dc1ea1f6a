import { createTheme, type CSSVariablesResolver } from '@mantine/core';

// Shades chosen for WCAG AA contrast: white on blue 9 (6.4:1); dimmed text on white as gray 7
// (7.5:1) rather than Mantine's gray 6 (3.3:1).
export const theme = createTheme({
  primaryColor: 'blue',
  primaryShade: { light: 9, dark: 8 },
  autoContrast: true,
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  components: {
    // Close buttons are icons: give them a name. (Plain objects rather than Modal.extend(), which
    // would pull the Modal into the first load.)
    Modal: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
    Notification: { defaultProps: { closeButtonProps: { 'aria-label': 'Dismiss' } } },
  },
});

export const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': t.colors.gray[7]!,
    '--mantine-color-placeholder': t.colors.gray[7]!,
    // Mantine's red 6 for errors is 3.3:1 on white; red 9 is 5.9:1.
    '--mantine-color-error': t.colors.red[9]!,
  },
  dark: {},
});
