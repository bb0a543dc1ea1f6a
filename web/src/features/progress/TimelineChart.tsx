import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { SERIES, type ChartRow } from './chart';

/** Stacked bars of outcomes per minute (loaded lazily: recharts is heavy). Hidden from screen readers: the table beside it says the same. */
export default function TimelineChart({ rows }: { rows: ChartRow[] }) {
  return (
    <div aria-hidden="true" data-testid="timeline-chart">
      <BarChart
        h={220}
        data={rows}
        dataKey="label"
        type="stacked"
        series={SERIES.map((s) => ({ ...s }))}
        withLegend
        legendProps={{ verticalAlign: 'bottom' }}
        tickLine="y"
        maxBarWidth={48}
        yAxisLabel="Messages"
        // The chart takes no keyboard focus: its data is in the table for assistive technology.
        barChartProps={{ accessibilityLayer: false }}
        withTooltip
      />
    </div>
  );
}
