package netfence.api;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import netfence.inventory.Names;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * A request's query parameters, checked: each route names the ones it knows, anything else is
 * a 400, so a misspelt {@code ?wiat=applied} is not silently ignored.
 */
final class Query {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s)?");

  private final Fields fields;

  private Query(Fields fields) {
    this.fields = fields;
  }

  /** The query of {@code request}; a 400 for a parameter not in {@code known}, or given twice. */
  static Query of(Request request, Set<String> known) throws Refusal {
    Fields fields;
    try {
      fields = Request.extractQueryParameters(request);
    } catch (RuntimeException e) {
      throw new Refusal(400, "the query string cannot be read: " + e.getMessage());
    }
    for (var f : fields) {
      if (!known.contains(f.getName())) {
        throw new Refusal(400, "unknown query parameter '%s'%s".formatted(shown(f.getName()),
            known.isEmpty() ? ": this route takes none" : "; this route takes " + String.join(", ", new java.util.TreeSet<>(known))));
      }
      if (f.getValues().size() > 1) throw new Refusal(400, "query parameter '%s' is given %d times".formatted(shown(f.getName()), f.getValues().size()));
    }
    return new Query(fields);
  }

  /** A client's value as a message may show it: control characters escaped, at most 100 characters. */
  static String shown(String value) {
    String s = Names.printable(value);
    return s.length() <= 100 ? s : s.substring(0, 100) + "...";
  }

  Optional<String> string(String name) {
    return Optional.ofNullable(fields.getValue(name));
  }

  /** An integer in [min, max]; {@code fallback} when absent. */
  long integer(String name, long min, long max, long fallback) throws Refusal {
    Optional<String> v = string(name);
    if (v.isEmpty()) return fallback;
    try {
      long n = Long.parseLong(v.get());
      if (n >= min && n <= max) return n;
    } catch (NumberFormatException e) {
      // said below
    }
    throw new Refusal(400, "query parameter '%s' (%s) must be an integer from %d to %d".formatted(name, shown(v.get()), min, max));
  }

  /** A duration written {@code 500ms}, {@code 5s} or {@code 5} (seconds), at most {@code max}; {@code fallback} when absent. */
  Duration duration(String name, Duration max, Duration fallback) throws Refusal {
    Optional<String> v = string(name);
    if (v.isEmpty()) return fallback;
    var m = DURATION.matcher(v.get());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      Duration d = "ms".equals(m.group(2)) ? Duration.ofMillis(n) : Duration.ofSeconds(n);
      if (d.compareTo(max) <= 0) return d;
    }
    throw new Refusal(400, "query parameter '%s' (%s) must be a duration such as 500ms or 5s, at most %ds".formatted(name, shown(v.get()),
        max.toSeconds()));
  }

  /** One of {@code values}; {@code fallback} when absent. */
  String oneOf(String name, Set<String> values, String fallback) throws Refusal {
    Optional<String> v = string(name);
    if (v.isEmpty()) return fallback;
    if (values.contains(v.get())) return v.get();
    throw new Refusal(400, "query parameter '%s' (%s) must be one of %s".formatted(name, shown(v.get()), String.join(", ", new java.util.TreeSet<>(values))));
  }
}
