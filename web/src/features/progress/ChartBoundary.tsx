import { Text } from '@mantine/core';
import { Component, type ReactNode } from 'react';

/** Keeps the page when the chart's code cannot be loaded (offline, a new deployment): the numbers stay in words. */
export class ChartBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  override render() {
    if (this.state.failed) {
      return (
        <Text size="sm" c="dimmed" role="status">
          The chart could not be drawn; reload the page to try again.
        </Text>
      );
    }
    return this.props.children;
  }
}
