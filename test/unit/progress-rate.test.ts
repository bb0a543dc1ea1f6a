// The live progress arithmetic of the dashboard: the sending rate from successive polls, the time left.
import { describe, expect, it } from 'vitest';
import { addSample, averageRate, formatDuration, messagesPerSecond, secondsLeft, type Sample } from '../../web/src/features/progress/rate.ts';

describe('dashboard progress rate', () => {
  it('measures messages per second between polls, over a sliding window', () => {
    let s: Sample[] = [];
    for (let i = 0; i <= 20; i++) s = addSample(s, { at: i * 2000, done: i * 10 }, 15_000);
    // 5 a second throughout; only the window (plus one reading before it) is kept.
    expect(messagesPerSecond(s)).toBeCloseTo(5);
    expect(s[0]!.at).toBeLessThan(40_000 - 15_000);
    expect(s[1]!.at).toBeGreaterThanOrEqual(40_000 - 15_000);
    // A slowdown shows within the window.
    for (let i = 21; i <= 30; i++) s = addSample(s, { at: i * 2000, done: 200 + (i - 20) * 2 }, 15_000);
    expect(messagesPerSecond(s)).toBeCloseTo(1, 0);
  });

  it('falls back to the average since sending started, and says nothing without it', () => {
    const start = new Date(10_000).toISOString();
    expect(messagesPerSecond([{ at: 14_000, done: 20 }], start)).toBeCloseTo(5);
    expect(messagesPerSecond([{ at: 14_000, done: 20 }], null)).toBeUndefined();
    expect(messagesPerSecond([{ at: 10_500, done: 2 }], start)).toBeUndefined();
    expect(messagesPerSecond([])).toBeUndefined();
  });

  it('ignores a reading older than the last, and starts again if the counters go down', () => {
    expect(addSample([{ at: 0, done: 0 }, { at: 4000, done: 40 }], { at: 2000, done: 20 })).toEqual([{ at: 0, done: 0 }, { at: 4000, done: 40 }]);
    expect(addSample([{ at: 0, done: 0 }, { at: 4000, done: 40 }], { at: 6000, done: 10 })).toEqual([{ at: 0, done: 0 }, { at: 6000, done: 10 }]);
  });

  it('tells the time left only for a known, positive rate', () => {
    expect(secondsLeft(50, 5)).toBe(10);
    expect(secondsLeft(50, 0)).toBeUndefined();
    expect(secondsLeft(50, undefined)).toBeUndefined();
    expect(formatDuration(0.2)).toBe('less than a second');
    expect(formatDuration(1)).toBe('1 second');
    expect(formatDuration(42)).toBe('42 seconds');
    expect(formatDuration(185)).toBe('3 min 5 s');
    expect(formatDuration(7800)).toBe('2 h 10 min');
  });

  it('gives the average rate of a finished run', () => {
    expect(averageRate({ sent: 50, failed: 5, skipped: 5, started_at: '2026-01-01T00:00:00Z', completed_at: '2026-01-01T00:00:12Z' })).toBe(5);
    expect(averageRate({ sent: 5, failed: 0, skipped: 0, started_at: '2026-01-01T00:00:00Z', completed_at: null })).toBeUndefined();
  });
});
