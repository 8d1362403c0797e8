import { PassThrough } from 'node:stream';
import { ProgressBar, duration, formatProgress } from './progress.js';

describe('formatProgress', () => {
  it('given a known total, shows percent, counts, rate and the ETA from the rate so far', () => {
    // 250 of 1,000 in 10 s: 25/s, 750 left -> 30 s.
    expect(formatProgress('replay', 'events', 250, 1000, 10, 10)).toBe('replay  [###-------]   25.0%  250/1,000 events  25 events/s  ETA 30s');
  });

  it('given an unknown total, shows only the count and the rate', () => {
    expect(formatProgress('import', 'rows', 1500, null, 3, 10)).toBe('import  1,500 rows  500 rows/s');
  });

  it('when done, shows the elapsed time instead of an ETA', () => {
    expect(formatProgress('replay', 'events', 1000, 1000, 125, 0)).toBe('replay  100.0%  1,000/1,000 events  8 events/s  in 2m05s');
  });

  it('never divides by a zero elapsed time', () => {
    expect(formatProgress('replay', 'events', 0, 10, 0, 0)).toBe('replay    0.0%  0/10 events  0 events/s');
  });
});

describe('duration', () => {
  it.each([
    [0, '0s'],
    [59.4, '59s'],
    [60, '1m00s'],
    [3599, '59m59s'],
    [3600, '1h00m'],
    [7322, '2h02m'],
  ])('%s s reads %s', (seconds, text) => expect(duration(seconds)).toBe(text));
});

describe('ProgressBar', () => {
  const capture = (isTTY: boolean) => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream & { isTTY: boolean };
    stream.isTTY = isTTY;
    const chunks: string[] = [];
    (stream as unknown as PassThrough).on('data', (c: Buffer) => chunks.push(c.toString()));
    return { stream, text: () => chunks.join('') };
  };

  it('outside a terminal, prints plain lines at most every everyMs, then a final line', () => {
    let now = 0;
    const out = capture(false);
    const bar = new ProgressBar({ label: 'x', unit: 'ev', stream: out.stream, everyMs: 1000, now: () => now });
    now = 1000;
    bar.update(10, 100); // printed
    now = 1500;
    bar.update(20, 100); // too soon
    now = 2000;
    bar.update(30, 100); // printed
    bar.finish(100, 100);
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('10/100 ev');
    expect(lines[1]).toContain('30/100 ev');
    expect(lines[2]).toContain('100/100 ev');
    expect(out.text()).not.toContain('\r');
  });

  it('on a terminal, redraws one line and ends it with a newline', () => {
    let now = 0;
    const out = capture(true);
    const bar = new ProgressBar({ label: 'x', unit: 'ev', stream: out.stream, now: () => now });
    now = 200;
    bar.update(1, 2);
    bar.finish(2, 2);
    expect(out.text().startsWith('\r')).toBe(true);
    expect(out.text().endsWith('\n')).toBe(true);
    expect(out.text().split('\n')).toHaveLength(2);
  });

  it('prints nothing when silent', () => {
    const out = capture(false);
    const bar = new ProgressBar({ label: 'x', unit: 'ev', stream: out.stream, silent: true, now: () => 10_000 });
    bar.update(1, 2);
    bar.finish(2, 2);
    expect(out.text()).toBe('');
  });
});
