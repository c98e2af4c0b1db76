/**
 * The histogram printer against libbpf-tools' own printf formats: the expected texts below are what
 * trace_helpers.c's print_log2_hist / print_linear_hist / print_stars print for the same bucket arrays
 * (captured from a C program using those printf formats).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLinearHistogram, formatLog2Histogram, log2Buckets, starBar } from './histogram.js';

test('log2 histogram: narrow layout, 40-star bar scaled to the fullest slot, empty slots up to the last', () => {
  const slots = new Array<number>(27).fill(0);
  Object.assign(slots, [0, 1, 3, 10, 0, 2]);
  assert.equal(formatLog2Histogram(slots, 'usecs'), `     usecs               : count    distribution
         0 -> 1          : 0        |                                        |
         2 -> 3          : 1        |****                                    |
         4 -> 7          : 3        |************                            |
         8 -> 15         : 10       |****************************************|
        16 -> 31         : 0        |                                        |
        32 -> 63         : 2        |********                                |
`);
});

test('log2 histogram: past slot 32 the wide layout (20-digit columns, 20-star bar)', () => {
  const slots = new Array<number>(40).fill(0);
  slots[0] = 2;
  slots[1] = 7;
  slots[33] = 1;
  slots[34] = 3;
  assert.equal(formatLog2Histogram(slots, 'nsecs'), `               nsecs                         : count    distribution
                   0 -> 1                    : 2        |*****               |
                   2 -> 3                    : 7        |********************|
                   4 -> 7                    : 0        |                    |
                   8 -> 15                   : 0        |                    |
                  16 -> 31                   : 0        |                    |
                  32 -> 63                   : 0        |                    |
                  64 -> 127                  : 0        |                    |
                 128 -> 255                  : 0        |                    |
                 256 -> 511                  : 0        |                    |
                 512 -> 1023                 : 0        |                    |
                1024 -> 2047                 : 0        |                    |
                2048 -> 4095                 : 0        |                    |
                4096 -> 8191                 : 0        |                    |
                8192 -> 16383                : 0        |                    |
               16384 -> 32767                : 0        |                    |
               32768 -> 65535                : 0        |                    |
               65536 -> 131071               : 0        |                    |
              131072 -> 262143               : 0        |                    |
              262144 -> 524287               : 0        |                    |
              524288 -> 1048575              : 0        |                    |
             1048576 -> 2097151              : 0        |                    |
             2097152 -> 4194303              : 0        |                    |
             4194304 -> 8388607              : 0        |                    |
             8388608 -> 16777215             : 0        |                    |
            16777216 -> 33554431             : 0        |                    |
            33554432 -> 67108863             : 0        |                    |
            67108864 -> 134217727            : 0        |                    |
           134217728 -> 268435455            : 0        |                    |
           268435456 -> 536870911            : 0        |                    |
           536870912 -> 1073741823           : 0        |                    |
          1073741824 -> 2147483647           : 0        |                    |
          2147483648 -> 4294967295           : 0        |                    |
          4294967296 -> 8589934591           : 0        |                    |
          8589934592 -> 17179869183          : 1        |**                  |
         17179869184 -> 34359738367          : 3        |********            |
`);
});

test('log2 histogram: all empty prints nothing', () => {
  assert.equal(formatLog2Histogram(new Uint32Array(27), 'usecs'), '');
  assert.equal(formatLog2Histogram([], 'usecs'), '');
  assert.deepEqual(log2Buckets(new Uint32Array(27)), []);
});

test('log2 buckets for JSON: the printed ranges, up to the last non-empty slot', () => {
  assert.deepEqual(log2Buckets([0, 1, 3, 10, 0, 2, 0, 0]), [
    { low: 0, high: 1, count: 0 },
    { low: 2, high: 3, count: 1 },
    { low: 4, high: 7, count: 3 },
    { low: 8, high: 15, count: 10 },
    { low: 16, high: 31, count: 0 },
    { low: 32, high: 63, count: 2 },
  ]);
});

test('linear histogram: only non-empty slots, value = base + i * step', () => {
  const slots = [0, 0, 5, 0, 12, 1, 0, 0, 0, 0];
  assert.equal(formatLinearHistogram(slots, 100, 10, 'msecs'), `     msecs         : count     distribution
        120        : 5        |****************                        |
        140        : 12       |****************************************|
        150        : 1        |***                                     |
`);
  assert.equal(formatLinearHistogram(new Array<number>(10).fill(0), 0, 1, 'msecs'), '');
});

test('star bar: capped at full width with a + when the count is beyond the maximum', () => {
  assert.equal(`${starBar(50, 10, 40)}|`, `****************************************+|`);
  assert.equal(`${starBar(3, 7, 20)}|`, `********            |`);
  assert.equal(starBar(0, 0, 4), '    ');
});
