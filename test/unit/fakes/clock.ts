import type { Clock } from '../../../src/domain/types.ts';

/** A Clock that moves only when a test moves it. */
export interface FakeClock extends Clock {
  set(at: Date | number): void;
  advance(ms: number): void;
}

/** A controllable clock, at `start` until set or advanced. */
export function createFakeClock(start: Date | number = Date.UTC(2030, 0, 1, 12)): FakeClock {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set: (at) => void (t = new Date(at).getTime()),
    advance: (ms) => void (t += ms),
  };
}
