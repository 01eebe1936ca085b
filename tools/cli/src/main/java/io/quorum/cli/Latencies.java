package io.quorum.cli;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Percentiles of a set of latency samples in nanoseconds, reported in milliseconds. */
final class Latencies {

    private Latencies() {
    }

    static Map<String, Object> summary(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", s.length);
        m.put("p50Ms", ms(percentile(s, 0.50)));
        m.put("p95Ms", ms(percentile(s, 0.95)));
        m.put("p99Ms", ms(percentile(s, 0.99)));
        m.put("maxMs", ms(s.length == 0 ? 0 : s[s.length - 1]));
        return m;
    }

    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static double ms(long nanos) {
        return Math.round(nanos / 1e4) / 100.0;
    }
}
