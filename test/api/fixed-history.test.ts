import {
  FIXED_HISTORY,
  FIXED_HISTORY_FROM as FROM,
  FIXED_HISTORY_NOW as NOW,
  FIXED_HISTORY_TO as TO,
  fixedHistoryDefinition,
  recordFixedHistory,
} from '../fixtures/fixed-history.js';
import { startTestApp } from './test-app.js';

/*
 * The fixed history of issue 3 (test/fixtures/fixed-history.ts: 28 leads, 2025, UTC) recorded through the
 * mutations into an app whose active definition is the default one plus the holiday 2025-05-26
 * (default-holidays@1), and every figure of every read query asserted against the values computed by hand
 * from shared/metrics.md in test/api/fixed-history.md (the section numbers below refer to it).
 *
 * Every expected value is a literal of that hand table: integers exactly; a ratio, a mean or an interpolated
 * percentile as the literal fraction or number of the table, compared with toBeCloseTo(…, 6) / expect.closeTo.
 * "now" (SLA status, overdue, stuck ages and the 180-day benchmark) is FIXED_HISTORY_NOW = 2025-07-01T00:00Z.
 */

const STAGES = ['responder', 'mql', 'handed_off', 'sal', 'won'];
const MONTHS: [string, string][] = [
  ['2025-04-01T00:00:00.000Z', '2025-05-01T00:00:00.000Z'],
  ['2025-05-01T00:00:00.000Z', '2025-06-01T00:00:00.000Z'],
  ['2025-06-01T00:00:00.000Z', '2025-07-01T00:00:00.000Z'],
];

/** [count, median, mean, p90] in seconds. */
type Stats = [number, number | null, number | null, number | null];
/**
 * stage, [entered, advanced, recycled, rejected, lost, open], [enteredValue, advancedValue, recycledValue,
 * rejectedValue, lostValue, openValue, leakedValue], [conversion, leakage, recycling, conversionByValue,
 * leakageByValue, recyclingByValue], velocity, [exitedAdvanced, exitedRecycled, exitedRejected, exitedLost].
 */
type WaterfallRow = [string, number[], number[], (number | null)[], Stats, number[]];
/** month, leads, reached per stage, conversionToNext per stage. */
type CohortRow = [string, number, number[], (number | null)[]];
/** key, met, breached, open, compliance, responseTime (working s), calendarResponseTime (s). */
type SlaRow = [string, number, number, number, number | null, Stats, Stats];
/** key, leads, reached per stage, conversionToNext per stage, steps 's/n' (null: no trials), overall, wonValue, averageDealValue, timeToWin. */
type SourceRow = [string, number, number[], (number | null)[], (string | null)[], string, number, number | null, Stats];

// ---- the hand table (test/api/fixed-history.md) -----------------------------------------------------------

/** Section 4: waterfall, MONTH, April..June. */
const WATERFALL_EXPECTED: WaterfallRow[][] = [
  // April
  [
    ['responder', [15, 13, 0, 0, 1, 1], [40600, 40500, 0, 0, 100, 0, 100], [13 / 15, 1 / 15, 0, 40500 / 40600, 100 / 40600, 0], [13, 86400, 1836000 / 13, 172800], [13, 0, 0, 1]],
    ['mql', [11, 10, 0, 0, 0, 1], [23700, 23000, 0, 0, 0, 700, 0], [10 / 11, 0, 0, 23000 / 23700, 0, 0], [10, 86400, 162360, 293760], [8, 0, 0, 0]],
    ['handed_off', [9, 7, 1, 1, 0, 0], [23000, 17600, 5000, 400, 0, 0, 400], [7 / 9, 1 / 9, 1 / 9, 17600 / 23000, 400 / 23000, 5000 / 23000], [7, 453600, 2894400 / 7, 635040], [7, 1, 1, 0]],
    ['sal', [9, 4, 2, 0, 2, 1], [50500, 39500, 4500, 0, 6500, 0, 6500], [4 / 9, 2 / 9, 2 / 9, 39500 / 50500, 6500 / 50500, 4500 / 50500], [4, 2322000, 2111400, 3095280], [2, 1, 0, 0]],
    ['won', [2, 0, 0, 0, 0, 2], [12000, 0, 0, 0, 0, 12000, 0], [0, 0, 0, 0, 0, 0], [0, null, null, null], [0, 0, 0, 0]],
  ],
  // May
  [
    ['responder', [7, 5, 0, 0, 0, 2], [5700, 3400, 0, 0, 0, 2300, 0], [5 / 7, 0, 0, 3400 / 5700, 0, 0], [5, 86400, 108720, 192240], [6, 0, 0, 0]],
    ['mql', [5, 3, 1, 0, 1, 0], [10300, 8900, 800, 0, 600, 0, 600], [3 / 5, 1 / 5, 1 / 5, 8900 / 10300, 600 / 10300, 800 / 10300], [3, 86400, 111600, 164160], [5, 1, 0, 1]],
    ['handed_off', [7, 4, 0, 2, 1, 0], [17500, 17000, 0, 0, 500, 0, 500], [4 / 7, 3 / 7, 0, 17000 / 17500, 500 / 17500, 0], [4, 489600, 459000, 668880], [3, 0, 2, 1]],
    ['sal', [3, 1, 0, 0, 0, 2], [16000, 9000, 0, 0, 0, 7000, 0], [1 / 3, 0, 0, 9000 / 16000, 0, 0], [1, 1465200, 1465200, 1465200], [2, 1, 0, 2]],
    ['won', [2, 0, 0, 0, 0, 2], [27500, 0, 0, 0, 0, 27500, 0], [0, 0, 0, 0, 0, 0], [0, null, null, null], [0, 0, 0, 0]],
  ],
  // June
  [
    ['responder', [8, 6, 0, 0, 0, 2], [18700, 18200, 0, 0, 0, 500, 0], [6 / 8, 0, 0, 18200 / 18700, 0, 0], [6, 86400, 75000, 88200], [6, 0, 0, 0]],
    ['mql', [5, 5, 0, 0, 0, 0], [3200, 3200, 0, 0, 0, 0, 0], [1, 0, 0, 1, 0, 0], [5, 86400, 107280, 153360], [5, 0, 0, 0]],
    ['handed_off', [5, 2, 0, 0, 0, 3], [3200, 2000, 0, 0, 0, 1200, 0], [2 / 5, 0, 0, 2000 / 3200, 0, 0], [2, 475200, 475200, 509760], [3, 0, 0, 0]],
    ['sal', [4, 1, 0, 0, 1, 2], [18000, 4000, 0, 0, 12000, 2000, 12000], [1 / 4, 1 / 4, 0, 4000 / 18000, 12000 / 18000, 0], [1, 950400, 950400, 950400], [2, 0, 0, 1]],
    ['won', [2, 0, 0, 0, 0, 2], [13000, 0, 0, 0, 0, 13000, 0], [0, 0, 0, 0, 0, 0], [0, null, null, null], [0, 0, 0, 0]],
  ],
];
/** Section 5: funnelCohorts, MONTH. */
const COHORTS_EXPECTED: CohortRow[] = [
  ['2025-04', 14, [14, 9, 9, 9, 3], [12 / 14, 8 / 9, 7 / 9, 3 / 9, null]],
  ['2025-05', 5, [5, 4, 3, 2, 1], [1, 2 / 4, 2 / 3, 1 / 2, null]],
  ['2025-06', 8, [8, 5, 5, 3, 1], [6 / 8, 1, 2 / 5, 1 / 3, null]],
];
/** Section 6: slaCompliance per groupBy, MONTH (April, May, June), now = 2025-07-01. */
const SLA_EXPECTED: Record<string, SlaRow[][]> = {
  NONE: [
    [
      ['all', 8, 1, 0, 8 / 9, [9, 172800, 260800, 443520], [9, 345600, 372000, 587520]],
    ],
    [
      ['all', 6, 1, 0, 6 / 7, [7, 345600, 2314800 / 7, 462240], [7, 442800, 3315600 / 7, 686880]],
    ],
    [
      ['all', 2, 2, 1, 2 / 4, [2, 302400, 302400, 336960], [2, 475200, 475200, 509760]],
    ],
  ],
  OWNER: [
    [
      ['alice', 3, 1, 0, 3 / 4, [4, 259200, 302400, 527040], [4, 432000, 432000, 699840]],
      ['bob', 4, 0, 0, 1, [4, 172800, 214200, 334080], [4, 259200, 291600, 481680]],
      ['carol', 1, 0, 0, 1, [1, 280800, 280800, 280800], [1, 453600, 453600, 453600]],
    ],
    [
      ['alice', 3, 0, 0, 1, [3, 270000, 289200, 393840], [3, 442800, 433200, 635760]],
      ['bob', 1, 1, 0, 1 / 2, [2, 345600, 345600, 483840], [2, 518400, 518400, 656640]],
      ['carol', 2, 0, 0, 1, [2, 378000, 378000, 403920], [2, 489600, 489600, 604800]],
    ],
    [
      ['alice', 0, 0, 1, null, [0, null, null, null], [0, null, null, null]],
      ['bob', 1, 1, 0, 1 / 2, [1, 345600, 345600, 345600], [1, 518400, 518400, 518400]],
      ['carol', 1, 1, 0, 1 / 2, [1, 259200, 259200, 259200], [1, 432000, 432000, 432000]],
    ],
  ],
  TEAM: [
    [
      ['(none)', 1, 0, 0, 1, [1, 280800, 280800, 280800], [1, 453600, 453600, 453600]],
      ['east', 3, 1, 0, 3 / 4, [4, 259200, 302400, 527040], [4, 432000, 432000, 699840]],
      ['west', 4, 0, 0, 1, [4, 172800, 214200, 334080], [4, 259200, 291600, 481680]],
    ],
    [
      ['(none)', 2, 0, 0, 1, [2, 378000, 378000, 403920], [2, 489600, 489600, 604800]],
      ['east', 3, 0, 0, 1, [3, 270000, 289200, 393840], [3, 442800, 433200, 635760]],
      ['west', 1, 1, 0, 1 / 2, [2, 345600, 345600, 483840], [2, 518400, 518400, 656640]],
    ],
    [
      ['(none)', 1, 1, 0, 1 / 2, [1, 259200, 259200, 259200], [1, 432000, 432000, 432000]],
      ['east', 0, 0, 1, null, [0, null, null, null], [0, null, null, null]],
      ['west', 1, 1, 0, 1 / 2, [1, 345600, 345600, 345600], [1, 518400, 518400, 518400]],
    ],
  ],
  CHANNEL: [
    [
      ['event', 2, 1, 0, 2 / 3, [3, 280800, 352800, 540000], [3, 453600, 468000, 712800]],
      ['web', 6, 0, 0, 1, [6, 172800, 214800, 374400], [6, 345600, 324000, 529200]],
    ],
    [
      ['event', 1, 0, 0, 1, [1, 345600, 345600, 345600], [1, 345600, 345600, 345600]],
      ['partner', 1, 0, 0, 1, [1, 410400, 410400, 410400], [1, 633600, 633600, 633600]],
      ['web', 4, 1, 0, 4 / 5, [5, 270000, 311760, 480960], [5, 442800, 467280, 688320]],
    ],
    [
      ['event', 1, 1, 0, 1 / 2, [1, 345600, 345600, 345600], [1, 518400, 518400, 518400]],
      ['web', 1, 1, 1, 1 / 2, [1, 259200, 259200, 259200], [1, 432000, 432000, 432000]],
    ],
  ],
  CAMPAIGN: [
    [
      ['(none)', 2, 0, 0, 1, [2, 140400, 140400, 166320], [2, 140400, 140400, 166320]],
      ['spring', 5, 0, 0, 1, [5, 172800, 236160, 380160], [5, 345600, 367200, 531360]],
      ['summer', 1, 1, 0, 1 / 2, [2, 442800, 442800, 572400], [2, 615600, 615600, 745200]],
    ],
    [
      ['(none)', 2, 1, 0, 2 / 3, [3, 410400, 424800, 496800], [3, 633600, 556800, 679680]],
      ['spring', 3, 0, 0, 1, [3, 172800, 205200, 250560], [3, 345600, 320400, 423360]],
      ['summer', 1, 0, 0, 1, [1, 424800, 424800, 424800], [1, 684000, 684000, 684000]],
    ],
    [
      ['(none)', 1, 1, 0, 1 / 2, [1, 259200, 259200, 259200], [1, 432000, 432000, 432000]],
      ['spring', 0, 1, 0, 0, [0, null, null, null], [0, null, null, null]],
      ['summer', 1, 0, 1, 1, [1, 345600, 345600, 345600], [1, 518400, 518400, 518400]],
    ],
  ],
  ORIGIN: [
    [
      ['MARKETING', 8, 1, 0, 8 / 9, [9, 172800, 260800, 443520], [9, 345600, 372000, 587520]],
    ],
    [
      ['MARKETING', 5, 1, 0, 5 / 6, [6, 307800, 317400, 471600], [6, 394200, 447000, 687600]],
      ['PARTNER', 1, 0, 0, 1, [1, 410400, 410400, 410400], [1, 633600, 633600, 633600]],
    ],
    [
      ['MARKETING', 2, 2, 1, 2 / 4, [2, 302400, 302400, 336960], [2, 475200, 475200, 509760]],
    ],
  ],
};
/** Section 7: sourceComparison, leads captured in [2025-04-01, 2025-07-01). */
const SOURCES_EXPECTED: Record<string, SourceRow[]> = {
  CHANNEL: [
    ['web', 15, [15, 13, 11, 6, 2], [13 / 15, 11 / 13, 6 / 11, 2 / 6, null], ['13/15', '11/13', '6/11', '2/6'], '2/15', 19000, 9500, [2, 2462400, 2462400, 2496960]],
    ['event', 7, [7, 5, 5, 4, 2], [6 / 7, 4 / 5, 4 / 5, 2 / 4, null], ['6/7', '4/5', '4/5', '2/4'], '2/7', 7500, 3750, [2, 2419200, 2419200, 3110400]],
    ['partner', 3, [3, 0, 1, 2, 0], [2 / 3, null, 1, 0, null], ['2/3', null, '1/1', '0/2'], '0/3', 0, null, [0, null, null, null]],
    ['outbound', 2, [2, 0, 0, 2, 1], [1, null, null, 1 / 2, null], ['2/2', null, null, '1/2'], '1/2', 24000, 24000, [1, 3369600, 3369600, 3369600]],
  ],
  CAMPAIGN: [
    ['(none)', 11, [11, 6, 6, 5, 1], [9 / 11, 5 / 6, 3 / 6, 1 / 5, null], ['9/11', '5/6', '3/6', '1/5'], '1/11', 24000, 24000, [1, 3369600, 3369600, 3369600]],
    ['spring', 9, [9, 7, 6, 5, 1], [8 / 9, 6 / 7, 4 / 6, 1 / 5, null], ['8/9', '6/7', '4/6', '1/5'], '1/9', 10000, 10000, [1, 2505600, 2505600, 2505600]],
    ['summer', 7, [7, 5, 5, 4, 3], [6 / 7, 4 / 5, 4 / 5, 3 / 4, null], ['6/7', '4/5', '4/5', '3/4'], '3/7', 16500, 5500, [3, 2419200, 2419200, 3110400]],
  ],
  ORIGIN: [
    ['MARKETING', 22, [22, 18, 16, 10, 4], [19 / 22, 15 / 18, 10 / 16, 4 / 10, null], ['19/22', '15/18', '10/16', '4/10'], '4/22', 26500, 6625, [4, 2462400, 2440800, 3049920]],
    ['PARTNER', 3, [3, 0, 1, 2, 0], [2 / 3, null, 1, 0, null], ['2/3', null, '1/1', '0/2'], '0/3', 0, null, [0, null, null, null]],
    ['SALES', 2, [2, 0, 0, 2, 1], [1, null, null, 1 / 2, null], ['2/2', null, null, '1/2'], '1/2', 24000, 24000, [1, 3369600, 3369600, 3369600]],
  ],
  segment: [
    ['(none)', 13, [13, 7, 8, 5, 1], [10 / 13, 6 / 7, 4 / 8, 1 / 5, null], ['10/13', '6/7', '4/8', '1/5'], '1/13', 3500, 3500, [1, 3283200, 3283200, 3283200]],
    ['enterprise', 7, [7, 5, 5, 5, 2], [1, 1, 3 / 5, 2 / 5, null], ['7/7', '5/5', '3/5', '2/5'], '2/7', 28000, 14000, [2, 2462400, 2462400, 3188160]],
    ['smb', 7, [7, 6, 4, 4, 2], [6 / 7, 4 / 6, 1, 2 / 4, null], ['6/7', '4/6', '4/4', '2/4'], '2/7', 19000, 9500, [2, 2462400, 2462400, 2496960]],
  ],
  industry: [
    ['(none)', 16, [16, 11, 9, 4, 1], [12 / 16, 8 / 11, 4 / 9, 1 / 4, null], ['12/16', '8/11', '4/9', '1/4'], '1/16', 3500, 3500, [1, 3283200, 3283200, 3283200]],
    ['software', 6, [6, 3, 4, 6, 3], [1, 1, 1, 3 / 6, null], ['6/6', '3/3', '4/4', '3/6'], '3/6', 43000, 43000 / 3, [3, 2505600, 2764800, 3196800]],
    ['retail', 5, [5, 4, 4, 4, 1], [1, 1, 3 / 4, 1 / 4, null], ['5/5', '4/4', '3/4', '1/4'], '1/5', 4000, 4000, [1, 1555200, 1555200, 1555200]],
  ],
};
/** Wilson 95% bounds [low, high] (test/api/fixed-history.md, section 7.6), to 9 decimals. */
const WILSON: Record<string, [number, number]> = {
  '1/1': [0.206549312, 1],
  '0/2': [0, 0.657619776],
  '1/2': [0.094531205, 0.905468795],
  '2/2': [0.342380224, 1],
  '0/3': [0, 0.561497036],
  '2/3': [0.207659599, 0.938508056],
  '3/3': [0.438502964, 1],
  '1/4': [0.04558726, 0.69935816],
  '2/4': [0.150038988, 0.849961012],
  '3/4': [0.30064184, 0.95441274],
  '4/4': [0.51010916, 1],
  '1/5': [0.036224108, 0.624465373],
  '2/5': [0.117620773, 0.769275721],
  '3/5': [0.230724279, 0.882379227],
  '4/5': [0.375534627, 0.963775892],
  '5/5': [0.565517531, 1],
  '2/6': [0.09677141, 0.700006687],
  '3/6': [0.187616305, 0.812383695],
  '4/6': [0.299993313, 0.90322859],
  '5/6': [0.436497175, 0.969946631],
  '6/6': [0.609665708, 1],
  '2/7': [0.082218923, 0.64106555],
  '3/7': [0.158219854, 0.749541637],
  '6/7': [0.486872168, 0.974320376],
  '7/7': [0.645669561, 1],
  '4/8': [0.215216061, 0.784783939],
  '1/9': [0.019890887, 0.434999708],
  '4/9': [0.18877852, 0.733348708],
  '8/9': [0.565000292, 0.980109113],
  '4/10': [0.168180329, 0.687326232],
  '1/11': [0.016232173, 0.377358439],
  '6/11': [0.280091536, 0.787287285],
  '8/11': [0.434354697, 0.902539408],
  '9/11': [0.523019436, 0.948632311],
  '1/13': [0.013710421, 0.333139512],
  '10/13': [0.497436238, 0.918204713],
  '11/13': [0.577653687, 0.956741822],
  '2/15': [0.037361259, 0.378819831],
  '13/15': [0.621180169, 0.962638741],
  '1/16': [0.011119345, 0.283287378],
  '10/16': [0.386410404, 0.815187675],
  '12/16': [0.505016833, 0.898179326],
  '15/18': [0.607779617, 0.941634232],
  '4/22': [0.073068845, 0.385166076],
  '19/22': [0.666650127, 0.952509963],
};
/** Section 8: stuckLeads at now, [lead, stage, enteredAt, stuckFor, limitSeconds]. */
const STUCK_EXPECTED: [string, string, string, number, number][] = [
  ['fh-05', 'sal', '2025-04-18T16:00:00.000Z', 6336000, 2970000],
  ['fh-12', 'mql', '2025-04-24T09:00:00.000Z', 5842800, 206280],
  ['fh-13', 'responder', '2025-04-24T09:00:00.000Z', 5842800, 226800],
  ['fh-10', 'responder', '2025-05-05T09:00:00.000Z', 4892400, 226800],
  ['fh-03', 'sal', '2025-05-09T09:00:00.000Z', 4546800, 2970000],
  ['fh-15', 'sal', '2025-05-09T10:00:00.000Z', 4543200, 2970000],
  ['fh-20', 'responder', '2025-05-19T09:00:00.000Z', 3682800, 226800],
  ['fh-16', 'handed_off', '2025-06-04T09:00:00.000Z', 2300400, 673920],
  ['fh-18', 'handed_off', '2025-06-08T10:00:00.000Z', 1951200, 673920],
  ['fh-24', 'responder', '2025-06-09T09:00:00.000Z', 1868400, 226800],
  ['fh-27', 'responder', '2025-06-18T09:00:00.000Z', 1090800, 226800],
];

// ---- helpers: expected objects from the literals above ------------------------------------------------------

const approx = (value: number | null) => (value === null ? null : expect.closeTo(value, 6));
const durations = ([count, median, mean, p90]: Stats) => ({ count, median: approx(median), mean: approx(mean), p90: approx(p90) });

function stageStats([stage, counts, values, ratios, velocity, flow]: WaterfallRow) {
  const [entered, advanced, recycled, rejected, lost, open] = counts;
  const [enteredValue, advancedValue, recycledValue, rejectedValue, lostValue, openValue, leakedValue] = values;
  const [conversion, leakage, recycling, conversionByValue, leakageByValue, recyclingByValue] = ratios.map(approx);
  const [exitedAdvanced, exitedRecycled, exitedRejected, exitedLost] = flow;
  return {
    stage,
    entered, advanced, recycled, rejected, lost, open,
    enteredValue, advancedValue, recycledValue, rejectedValue, lostValue, openValue, leakedValue,
    conversion, leakage, recycling, conversionByValue, leakageByValue, recyclingByValue,
    velocity: durations(velocity),
    exitedAdvanced, exitedRecycled, exitedRejected, exitedLost,
  };
}

function slaGroup([key, met, breached, open, compliance, responseTime, calendarResponseTime]: SlaRow) {
  return { key, met, breached, open, compliance: approx(compliance), responseTime: durations(responseTime), calendarResponseTime: durations(calendarResponseTime) };
}

function rate(from: string, to: string, fraction: string | null) {
  if (fraction === null) return { from, to, rate: null, low: null, high: null };
  const [successes, trials] = fraction.split('/').map(Number) as [number, number];
  const [low, high] = WILSON[fraction]!;
  return { from, to, rate: expect.closeTo(successes / trials, 6), low: expect.closeTo(low, 6), high: expect.closeTo(high, 6) };
}

function sourceConversion([key, leads, reached, toNext, steps, overall, wonValue, averageDealValue, timeToWin]: SourceRow) {
  return {
    key,
    leads,
    reached: STAGES.map((stage, i) => ({ stage, count: reached[i], conversionToNext: approx(toNext[i]!) })),
    steps: steps.map((fraction, i) => rate(STAGES[i]!, STAGES[i + 1]!, fraction)),
    overall: rate('responder', 'won', overall),
    wonValue,
    averageDealValue: approx(averageDealValue),
    timeToWin: durations(timeToWin),
  };
}

// ---- queries ----------------------------------------------------------------------------------------------

const WATERFALL = `
  query($from: DateTime!, $to: DateTime!, $p: String) {
    waterfall(from: $from, to: $to, granularity: MONTH, minPosition: $p) {
      definition timeZone
      periods { start end stages {
        stage entered advanced recycled rejected lost open
        enteredValue advancedValue recycledValue rejectedValue lostValue openValue leakedValue
        conversion leakage recycling conversionByValue leakageByValue recyclingByValue
        velocity { count median mean p90 }
        exitedAdvanced exitedRecycled exitedRejected exitedLost
      } }
    }
  }`;
const COHORTS = `
  query($from: DateTime!, $to: DateTime!, $p: String) {
    funnelCohorts(from: $from, to: $to, granularity: MONTH, minPosition: $p) { start end leads reached { stage count conversionToNext } }
  }`;
const SLA = `
  query($from: DateTime!, $to: DateTime!, $groupBy: SlaGroupBy, $now: DateTime, $p: String) {
    slaCompliance(from: $from, to: $to, granularity: MONTH, groupBy: $groupBy, now: $now, minPosition: $p) {
      periods { start end groups { key met breached open compliance responseTime { count median mean p90 } calendarResponseTime { count median mean p90 } } }
      overdue { leadId caseNumber handedOffAt dueAt resolvedAt resolvedBy status ownerId team overdueBy }
    }
  }`;
const SOURCES = `
  query($from: DateTime!, $to: DateTime!, $dimension: SourceDimension!, $attribute: String, $p: String) {
    sourceComparison(from: $from, to: $to, dimension: $dimension, attribute: $attribute, minPosition: $p) {
      key leads reached { stage count conversionToNext } steps { from to rate low high } overall { from to rate low high }
      wonValue averageDealValue timeToWin { count median mean p90 }
    }
  }`;
const STUCK = `
  query($stage: String, $first: Int, $after: String, $now: DateTime, $p: String) {
    stuckLeads(stage: $stage, first: $first, after: $after, now: $now, minPosition: $p) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage }
      edges { cursor node { stage enteredAt stuckFor limitSeconds limitSource lead { id stage } } }
    }
  }`;
const LEADS = `
  query($filter: LeadFilter, $first: Int, $after: String, $p: String) {
    leads(filter: $filter, first: $first, after: $after, minPosition: $p) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage }
      edges { cursor node { id status stage revision score ownerId team capturedAt value currency source { channel campaign origin } } }
    }
  }`;
const LEAD = `
  query($id: ID!) {
    lead(id: $id) { id stage status timeline { type occurredAt stageBefore stageAfter definition actor { type id } correlationId } }
  }`;

describe('the fixed history (issue 3): every figure of every read query, as computed by hand', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let position = '0';

  beforeAll(async () => {
    app = await startTestApp({ activeDefinition: fixedHistoryDefinition() });
    position = await recordFixedHistory(app.gql, FIXED_HISTORY);
  });
  afterAll(async () => app?.close());

  async function query(text: string, variables: Record<string, unknown> = {}) {
    const result = await app.gql(text, { p: position, ...variables });
    expect(result.errors).toBeUndefined();
    return result.data!;
  }

  it('records 28 leads (114 events) through the mutations', () => {
    expect(FIXED_HISTORY).toHaveLength(28);
    expect(FIXED_HISTORY.reduce((n, lead) => n + lead.steps.length, 0)).toBe(114);
    expect(BigInt(position)).toBeGreaterThanOrEqual(114n);
  });

  it('waterfall (section 4): every StageStats field of every stage in April, May and June', async () => {
    const { waterfall } = await query(WATERFALL, { from: FROM, to: TO });
    expect(waterfall.definition).toBe('default-holidays@1');
    expect(waterfall.timeZone).toBe('UTC');
    expect(waterfall.periods.map((p: any) => [p.start, p.end])).toEqual(MONTHS);
    WATERFALL_EXPECTED.forEach((rows, month) => {
      expect(waterfall.periods[month].stages).toEqual(rows.map(stageStats));
    });
    // A few figures spelled out (section 4): April responder conversion 13/15, May mql leakage (lost fh-19) 1/5,
    // June sal leakage by value 12000/18000, April handed_off velocity median 453600 (fh-11) and p90 635040.
    expect(waterfall.periods[0].stages[0].conversion).toBeCloseTo(0.866667, 6);
    expect(waterfall.periods[1].stages[1].leakage).toBeCloseTo(0.2, 6);
    expect(waterfall.periods[2].stages[3].leakageByValue).toBeCloseTo(0.666667, 6);
    expect(waterfall.periods[0].stages[2].velocity).toEqual({ count: 7, median: 453600, mean: expect.closeTo(413485.714286, 6), p90: expect.closeTo(635040, 6) });
  });

  it('funnelCohorts (section 5): leads captured per month and how far they got', async () => {
    const { funnelCohorts } = await query(COHORTS, { from: FROM, to: TO });
    expect(funnelCohorts).toEqual(
      COHORTS_EXPECTED.map(([, leads, reached, toNext], i) => ({
        start: MONTHS[i]![0],
        end: MONTHS[i]![1],
        leads,
        reached: STAGES.map((stage, s) => ({ stage, count: reached[s], conversionToNext: approx(toNext[s]!) })),
      })),
    );
  });

  const OVERDUE = [
    {
      leadId: 'fh-16',
      caseNumber: 1,
      handedOffAt: '2025-06-04T09:00:00.000Z',
      dueAt: '2025-06-11T09:00:00.000Z',
      resolvedAt: null,
      resolvedBy: null,
      status: 'BREACHED',
      ownerId: 'bob',
      team: 'west',
      overdueBy: 1695600,
    },
    {
      leadId: 'fh-18',
      caseNumber: 1,
      handedOffAt: '2025-06-08T10:00:00.000Z',
      dueAt: '2025-06-14T00:00:00.000Z',
      resolvedAt: null,
      resolvedBy: null,
      status: 'BREACHED',
      ownerId: 'carol',
      team: null,
      overdueBy: 1468800,
    },
  ];

  it.each(['NONE', 'OWNER', 'TEAM', 'CHANNEL', 'CAMPAIGN', 'ORIGIN'])('slaCompliance groupBy %s (section 6): every group of every month, and the overdue cases', async (groupBy) => {
    const { slaCompliance } = await query(SLA, { from: FROM, to: TO, groupBy, now: NOW });
    expect(slaCompliance.periods).toEqual(
      SLA_EXPECTED[groupBy]!.map((groups, i) => ({ start: MONTHS[i]![0], end: MONTHS[i]![1], groups: groups.map(slaGroup) })),
    );
    expect(slaCompliance.overdue).toEqual(OVERDUE);
  });

  it('slaCompliance: a page of the overdue cases with overdue(first:), all of them counted by overdueTotal', async () => {
    const page = `
      query($from: DateTime!, $to: DateTime!, $now: DateTime, $first: Int) {
        slaCompliance(from: $from, to: $to, granularity: MONTH, now: $now) {
          overdueTotal
          overdue(first: $first) { leadId caseNumber handedOffAt dueAt resolvedAt resolvedBy status ownerId team overdueBy }
        }
      }`;
    expect(OVERDUE.length).toBeGreaterThan(1);
    const one = await query(page, { from: FROM, to: TO, now: NOW, first: 1 });
    expect(one.slaCompliance).toEqual({ overdueTotal: OVERDUE.length, overdue: OVERDUE.slice(0, 1) });
    const none = await query(page, { from: FROM, to: TO, now: NOW, first: 0 });
    expect(none.slaCompliance).toEqual({ overdueTotal: OVERDUE.length, overdue: [] });
    const all = await query(page, { from: FROM, to: TO, now: NOW });
    expect(all.slaCompliance).toEqual({ overdueTotal: OVERDUE.length, overdue: OVERDUE });
    const bad = await app.gql(page, { from: FROM, to: TO, now: NOW, first: -1 });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('slaCompliance: the weekend and holiday hand-offs (section 3)', async () => {
    const { slaCompliance } = await query(SLA, { from: '2025-05-01T00:00:00Z', to: '2025-06-01T00:00:00Z', groupBy: 'OWNER', now: NOW });
    // May, alice: fh-04 (handed off Thu 05-22 12:00 before the holiday, due Fri 05-30 12:00, accepted 10:00: met,
    // 424800 working s) with fh-14 and fh-15#2; carol: fh-22 (handed off ON the holiday, due Tue 06-03 00:00,
    // accepted Mon 06-02 18:00: met, 410400 working s) with fh-03#2.
    expect(slaCompliance.periods[0].groups.map((g: any) => [g.key, g.met, g.breached, g.open])).toEqual([
      ['alice', 3, 0, 0],
      ['bob', 1, 1, 0],
      ['carol', 2, 0, 0],
    ]);
    // The overdue list only holds cases handed off in [from, to): none in May.
    expect(slaCompliance.overdue).toEqual([]);
  });

  it.each([
    ['CHANNEL', 'CHANNEL', null],
    ['CAMPAIGN', 'CAMPAIGN', null],
    ['ORIGIN', 'ORIGIN', null],
    ['segment', 'ATTRIBUTE', 'segment'], // a key of the capture's attributes
    ['industry', 'ATTRIBUTE', 'industry'], // an account field
  ])('sourceComparison by %s (section 7): reached, steps with Wilson bounds, overall, won value, time to win', async (table, dimension, attribute) => {
    const { sourceComparison } = await query(SOURCES, { from: FROM, to: TO, dimension, attribute });
    expect(sourceComparison).toEqual(SOURCES_EXPECTED[table]!.map(sourceConversion));
  });

  it('stuckLeads (section 8): every stage, longest stuck first, with the p90 limits', async () => {
    const { stuckLeads } = await query(STUCK, { now: NOW, first: 50 });
    expect(stuckLeads.totalCount).toBe(11);
    expect(stuckLeads.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false });
    expect(stuckLeads.edges.map((e: any) => e.node)).toEqual(
      STUCK_EXPECTED.map(([id, stage, enteredAt, stuckFor, limitSeconds]) => ({
        stage,
        enteredAt,
        stuckFor,
        limitSeconds: expect.closeTo(limitSeconds, 6),
        limitSource: 'p90',
        lead: { id, stage },
      })),
    );
  });

  it('stuckLeads (section 8): one stage at a time, and pages', async () => {
    const ids = (connection: any) => connection.edges.map((e: any) => e.node.lead.id);
    const sal = (await query(STUCK, { now: NOW, stage: 'sal' })).stuckLeads;
    // fh-22 (age 2440800) and fh-28 (1069200) are below the sal limit 2970000.
    expect([sal.totalCount, ids(sal)]).toEqual([3, ['fh-05', 'fh-03', 'fh-15']]);
    const handedOff = (await query(STUCK, { now: NOW, stage: 'handed_off' })).stuckLeads;
    // fh-17 (age 388800) is below the handed_off limit 673920.
    expect([handedOff.totalCount, ids(handedOff)]).toEqual([2, ['fh-16', 'fh-18']]);
    const responder = (await query(STUCK, { now: NOW, stage: 'responder' })).stuckLeads;
    expect([responder.totalCount, ids(responder)]).toEqual([5, ['fh-13', 'fh-10', 'fh-20', 'fh-24', 'fh-27']]);
    const mql = (await query(STUCK, { now: NOW, stage: 'mql' })).stuckLeads;
    expect([mql.totalCount, ids(mql)]).toEqual([1, ['fh-12']]);

    const page1 = (await query(STUCK, { now: NOW, first: 4 })).stuckLeads;
    expect([ids(page1), page1.pageInfo]).toEqual([['fh-05', 'fh-12', 'fh-13', 'fh-10'], { hasNextPage: true, hasPreviousPage: false }]);
    const page2 = (await query(STUCK, { now: NOW, first: 4, after: page1.edges[3].cursor })).stuckLeads;
    expect([ids(page2), page2.pageInfo]).toEqual([['fh-03', 'fh-15', 'fh-20', 'fh-16'], { hasNextPage: true, hasPreviousPage: true }]);
    const page3 = (await query(STUCK, { now: NOW, first: 4, after: page2.edges[3].cursor })).stuckLeads;
    expect([ids(page3), page3.pageInfo, page3.totalCount]).toEqual([['fh-18', 'fh-24', 'fh-27'], { hasNextPage: false, hasPreviousPage: true }, 11]);
  });

  const ALL_LEADS = [
    'fh-17', 'fh-27', 'fh-28', 'fh-25', 'fh-24', 'fh-18', 'fh-26', 'fh-16', 'fh-22', 'fh-04', 'fh-21', 'fh-20', 'fh-19', 'fh-15',
    'fh-14', 'fh-13', 'fh-12', 'fh-11', 'fh-10', 'fh-09', 'fh-08', 'fh-07', 'fh-06', 'fh-05', 'fh-03', 'fh-02', 'fh-01', 'fh-23',
  ];

  it('leads (section 9): every lead, newest capture first, and the Lead nodes', async () => {
    const { leads } = await query(LEADS, { first: 50 });
    expect(leads.totalCount).toBe(28);
    expect(leads.edges.map((e: any) => e.node.id)).toEqual(ALL_LEADS);
    const node = (id: string) => leads.edges.find((e: any) => e.node.id === id).node;
    expect(node('fh-02')).toEqual({
      id: 'fh-02', status: 'LOST', stage: null, revision: 9, score: 85, ownerId: 'alice', team: 'east',
      capturedAt: '2025-04-02T10:00:00.000Z', value: 4000, currency: null, source: { channel: 'web', campaign: 'spring', origin: 'MARKETING' },
    });
    expect(node('fh-09')).toEqual({
      id: 'fh-09', status: 'WON', stage: 'won', revision: 4, score: null, ownerId: null, team: null,
      capturedAt: '2025-04-17T09:00:00.000Z', value: 24000, currency: 'EUR', source: { channel: 'outbound', campaign: null, origin: 'SALES' },
    });
    expect(node('fh-22')).toEqual({
      id: 'fh-22', status: 'ACCEPTED', stage: 'sal', revision: 4, score: 65, ownerId: 'carol', team: null,
      capturedAt: '2025-05-23T09:00:00.000Z', value: 2000, currency: null, source: { channel: 'partner', campaign: null, origin: 'PARTNER' },
    });
    expect(node('fh-20')).toEqual({
      id: 'fh-20', status: 'NURTURING', stage: 'responder', revision: 3, score: 85, ownerId: null, team: null,
      capturedAt: '2025-05-08T09:00:00.000Z', value: 800, currency: null, source: { channel: 'event', campaign: 'spring', origin: 'MARKETING' },
    });
    expect(node('fh-21')).toMatchObject({ status: 'LOST', stage: null, ownerId: 'bob', team: 'west', score: 80, value: null });
    // pages of 10 follow the same order
    const page2 = (await query(LEADS, { first: 10, after: leads.edges[9].cursor })).leads;
    expect(page2.edges.map((e: any) => e.node.id)).toEqual(ALL_LEADS.slice(10, 20));
    expect(page2.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: true });
  });

  it.each([
    ['stage sal', { stage: 'sal' }, ['fh-28', 'fh-22', 'fh-15', 'fh-05', 'fh-03']],
    ['stage responder + origin PARTNER', { stage: 'responder', origin: 'PARTNER' }, ['fh-27', 'fh-10']],
    ['status LOST', { status: 'LOST' }, ['fh-25', 'fh-21', 'fh-19', 'fh-14', 'fh-08', 'fh-06', 'fh-02']],
    ['status NURTURING', { status: 'NURTURING' }, ['fh-20', 'fh-10']],
    ['owner alice (latest hand-off)', { ownerId: 'alice' }, ['fh-17', 'fh-04', 'fh-15', 'fh-14', 'fh-06', 'fh-02', 'fh-01', 'fh-23']],
    ['owner carol', { ownerId: 'carol' }, ['fh-28', 'fh-18', 'fh-22', 'fh-11', 'fh-03']],
    ['owner bob + team west', { ownerId: 'bob', team: 'west' }, ['fh-26', 'fh-16', 'fh-21', 'fh-07', 'fh-05']],
    ['channel partner', { channel: 'partner' }, ['fh-27', 'fh-22', 'fh-10']],
    ['campaign summer', { campaign: 'summer' }, ['fh-17', 'fh-24', 'fh-26', 'fh-04', 'fh-12', 'fh-11', 'fh-06']],
    ['origin SALES', { origin: 'SALES' }, ['fh-25', 'fh-09']],
    ['captured in May', { capturedFrom: '2025-05-01T00:00:00Z', capturedTo: '2025-06-01T00:00:00Z' }, ['fh-22', 'fh-04', 'fh-21', 'fh-20', 'fh-19']],
    ['id prefix fh-2', { search: 'fh-2' }, ['fh-27', 'fh-28', 'fh-25', 'fh-24', 'fh-26', 'fh-22', 'fh-21', 'fh-20', 'fh-23']],
  ])('leads filtered by %s (section 9)', async (_name, filter, expected) => {
    const { leads } = await query(LEADS, { filter, first: 50 });
    expect(leads.edges.map((e: any) => e.node.id)).toEqual(expected);
    expect(leads.totalCount).toBe(expected.length);
  });

  it.each([
    // section 10: [type, stageBefore, stageAfter] per event
    ['fh-02', null, [
      ['ResponderCaptured', null, 'responder'], ['LeadScored', 'responder', 'mql'], ['HandedOff', 'mql', 'handed_off'],
      ['Rejected', 'handed_off', null], ['Recycled', null, 'responder'], ['LeadScored', 'responder', 'mql'],
      ['HandedOff', 'mql', 'handed_off'], ['Accepted', 'handed_off', 'sal'], ['Lost', 'sal', null],
    ]],
    ['fh-03', 'sal', [
      ['ResponderCaptured', null, 'responder'], ['LeadScored', 'responder', 'mql'], ['HandedOff', 'mql', 'handed_off'],
      ['Accepted', 'handed_off', 'sal'], ['Recycled', 'sal', 'mql'], ['LeadScored', 'mql', 'mql'],
      ['HandedOff', 'mql', 'handed_off'], ['Accepted', 'handed_off', 'sal'],
    ]],
    ['fh-10', 'responder', [['ResponderCaptured', null, 'responder'], ['Accepted', 'responder', 'sal'], ['Recycled', 'sal', 'responder']]],
    ['fh-15', 'sal', [
      ['ResponderCaptured', null, 'responder'], ['LeadScored', 'responder', 'mql'], ['HandedOff', 'mql', 'handed_off'],
      ['Rejected', 'handed_off', null], ['LeadScored', null, null], ['HandedOff', null, 'handed_off'], ['Accepted', 'handed_off', 'sal'],
    ]],
    ['fh-21', null, [
      ['ResponderCaptured', null, 'responder'], ['LeadScored', 'responder', 'mql'], ['HandedOff', 'mql', 'handed_off'],
      ['Rejected', 'handed_off', null], ['Lost', null, null],
    ]],
  ] as [string, string | null, [string, string | null, string | null][]][])('lead(%s) (section 10): stage %s and the timeline\'s stage before/after each event', async (id, stage, timeline) => {
    const { lead } = await query(LEAD, { id });
    expect(lead.stage).toBe(stage);
    expect(lead.timeline.map((e: any) => [e.type, e.stageBefore, e.stageAfter])).toEqual(timeline);
    expect(new Set(lead.timeline.map((e: any) => e.definition))).toEqual(new Set(['default-holidays@1']));
    expect(new Set(lead.timeline.map((e: any) => e.correlationId))).toEqual(new Set([`fixed-history/${id}`]));
  });

  it('lead(fh-02): the fixed business times and actors of its events', async () => {
    const { lead } = await query(LEAD, { id: 'fh-02' });
    expect(lead.timeline.map((e: any) => [e.occurredAt, e.actor])).toEqual([
      ['2025-04-02T10:00:00.000Z', { type: 'import', id: 'crm-import' }],
      ['2025-04-03T10:00:00.000Z', { type: 'system', id: 'bantt-scoring' }],
      ['2025-04-04T10:00:00.000Z', { type: 'user', id: 'mia' }],
      ['2025-04-08T10:00:00.000Z', { type: 'user', id: 'bob' }],
      ['2025-04-14T10:00:00.000Z', { type: 'user', id: 'mia' }],
      ['2025-04-15T10:00:00.000Z', { type: 'system', id: 'bantt-scoring' }],
      ['2025-04-16T10:00:00.000Z', { type: 'user', id: 'mia' }],
      ['2025-04-22T10:00:00.000Z', { type: 'user', id: 'alice' }],
      ['2025-05-15T10:00:00.000Z', { type: 'user', id: 'sales-ops' }],
    ]);
  });
});

describe('the fixed history under the default definition (no holiday): section 11', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let position = '0';

  beforeAll(async () => {
    app = await startTestApp();
    position = await recordFixedHistory(app.gql, FIXED_HISTORY);
  });
  afterAll(async () => app?.close());

  it('the hand-offs before and on 2025-05-26 are breached without the holiday', async () => {
    const result = await app.gql(SLA, { from: '2025-05-01T00:00:00Z', to: '2025-06-01T00:00:00Z', groupBy: 'NONE', now: NOW, p: position });
    expect(result.errors).toBeUndefined();
    // fh-04: due Thu 05-29 12:00, accepted Fri 05-30 10:00 (511200 working s); fh-22: due Mon 06-02 10:00,
    // accepted 18:00 (460800 working s): both breached; calendar times do not change.
    expect(result.data!.slaCompliance.periods).toEqual([
      {
        start: '2025-05-01T00:00:00.000Z',
        end: '2025-06-01T00:00:00.000Z',
        groups: [slaGroup(['all', 4, 3, 0, 4 / 7, [7, 345600, 2451600 / 7, 514080], [7, 442800, 3315600 / 7, 686880]])],
      },
    ]);
  });
});
