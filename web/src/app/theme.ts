import { createTheme, darken, type CSSVariablesResolver } from '@mantine/core';

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
    // The active link's colours, per colour scheme (see --cns-nav-* below).
    NavLink: { vars: () => ({ root: { '--nl-color': 'var(--cns-nav-active-color)', '--nl-bg': 'var(--cns-nav-active-bg)', '--nl-hover': 'var(--cns-nav-active-hover)' } }) },
  },
});

export const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': t.colors.gray[7]!,
    '--mantine-color-placeholder': t.colors.gray[7]!,
    // Mantine's red 6 for errors is 3.3:1 on white; red 9 is 5.9:1.
    '--mantine-color-error': t.colors.red[9]!,
    // The active navigation link: Mantine's blue 9 label is 4.9:1 on its blue 1 background but
    // 4.0:1 on the blue 2 under the pointer. Blue 9 darkened by a fifth (#135089) is 6.7:1 and 5.5:1.
    // (An inactive link's hover, gray 0 under the body text, is 19.9:1.)
    '--cns-nav-active-color': darken(t.colors.blue[9]!, 0.2),
    '--cns-nav-active-bg': t.colors.blue[1]!,
    '--cns-nav-active-hover': t.colors.blue[2]!,
  },
  dark: {
    // Mantine's own for dark (blue 0 on blue 9 darkened by half, and by 0.3 under the pointer:
    // 11.8:1 and 8.7:1), for when the app has a dark scheme.
    '--cns-nav-active-color': t.colors.blue[0]!,
    '--cns-nav-active-bg': darken(t.colors.blue[9]!, 0.5),
    '--cns-nav-active-hover': darken(t.colors.blue[9]!, 0.3),
  },
});
