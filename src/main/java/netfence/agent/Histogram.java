package netfence.agent;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram of durations in seconds with fixed buckets, and its
 * text exposition. Written here rather than taken from
 * prometheus-metrics-core: the agent needs two histograms and a few
 * counters read from nft on demand, which the text format covers in a
 * page, without a registry, builders and a second snapshot model.
 */
final class Histogram {
  /** 100 µs to 10 s: a tap configured by one ip process up to a full apply on a loaded host. */
  static final double[] BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final String name;
  private final String help;
  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS.length);
  private final LongAdder count = new LongAdder();
  private final DoubleAdder sum = new DoubleAdder();

  Histogram(String name, String help) {
    this.name = name;
    this.help = help;
  }

  void observeNanos(long nanos) {
    double s = nanos / 1e9;
    for (int i = 0; i < BUCKETS.length; i++) {
      if (s <= BUCKETS[i]) {
        counts.incrementAndGet(i);
        break;
      }
    }
    count.increment();
    sum.add(s);
  }

  long count() {
    return count.sum();
  }

  /** Appends the histogram in the text format: cumulative buckets, +Inf, sum, count. */
  void write(StringBuilder b) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(" histogram\n");
    long cumulative = 0;
    for (int i = 0; i < BUCKETS.length; i++) {
      cumulative += counts.get(i);
      b.append(name).append("_bucket{le=\"").append(java.math.BigDecimal.valueOf(BUCKETS[i]).toPlainString()).append("\"} ").append(cumulative).append('\n');
    }
    b.append(name).append("_bucket{le=\"+Inf\"} ").append(count.sum()).append('\n');
    b.append(name).append("_sum ").append(String.format(Locale.ROOT, "%.9f", sum.sum())).append('\n');
    b.append(name).append("_count ").append(count.sum()).append('\n');
  }
}
