package netfence.render.nft;

import java.util.List;
import java.util.Optional;

/**
 * The AST of netfence's nftables tables. Values are kept in nft's own text
 * form (e.g. {@code "tap1"}, {@code 02:00:f0:a9:c4:4e}, {@code 10.0.0.0/24},
 * {@code nd-router-advert}); every name in them was validated by the
 * inventory reader, so nothing needs escaping.
 */
public final class Nft {
  private Nft() {}

  /** A table of one family; {@code counters} are named counters its rules count drops in. */
  public record Table(String family, String name, List<String> counters, List<Set> sets, List<Chain> chains) {
    public Table {
      counters = List.copyOf(counters);
      sets = List.copyOf(sets);
      chains = List.copyOf(chains);
    }

    public Optional<Set> set(String name) {
      return sets.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public Optional<Chain> chain(String name) {
      return chains.stream().filter(c -> c.name().equals(name)).findFirst();
    }
  }

  /**
   * A named set or, by its {@code data}, a verdict map or a counter map.
   * {@code key} is the concatenation of fields its elements are looked up by.
   */
  public record Set(String name, List<Field> key, boolean interval, Data data, List<Element> elements) {
    public Set {
      key = List.copyOf(key);
      elements = List.copyOf(elements);
    }

    /** A set, or with {@code verdicts} a verdict map. */
    public Set(String name, List<Field> key, boolean interval, boolean verdicts, List<Element> elements) {
      this(name, key, interval, verdicts ? Data.VERDICT : Data.NONE, elements);
    }

    public boolean verdicts() {
      return data == Data.VERDICT;
    }
  }

  /** What a set maps its keys to: nothing (a set), verdicts, or named counters. */
  public enum Data {
    NONE, VERDICT, COUNTER
  }

  /** A set element: one value per key field, and for a map its verdict or its named counter. */
  public record Element(List<String> key, Optional<Verdict> verdict, Optional<String> counter) {
    public Element {
      key = List.copyOf(key);
    }

    public Element(List<String> key, Optional<Verdict> verdict) {
      this(key, verdict, Optional.empty());
    }

    /** A counter-map element: {@code key : counter}. */
    public static Element counter(String key, String counter) {
      return new Element(List.of(key), Optional.empty(), Optional.of(counter));
    }

    /** True for map elements, which nft deletes by their key alone. */
    public boolean mapped() {
      return verdict.isPresent() || counter.isPresent();
    }

    public static Element of(String... key) {
      return new Element(List.of(key), Optional.empty());
    }
  }

  /** A chain; base chains have a hook. */
  public record Chain(String name, Optional<Hook> hook, List<Rule> rules) {
    public Chain {
      rules = List.copyOf(rules);
    }
  }

  /** A base chain's hook: {@code type filter hook prerouting priority -200; policy accept;}. */
  public record Hook(String type, String hook, int priority, String policy) {}

  /**
   * A rule: all matches must hold, then the named counter (if any) counts and
   * the verdict applies. A rule without verdict just counts.
   */
  public record Rule(List<Match> matches, Optional<String> counter, Optional<Verdict> verdict) {
    public Rule {
      matches = List.copyOf(matches);
    }
  }

  /** A match expression. */
  public sealed interface Match permits Equals, InSet, InNamedSet {}

  /** {@code FIELD VALUE}, {@code FIELD != VALUE} or {@code FIELD >= VALUE}; a value may be a prefix. */
  public record Equals(Field field, Op op, String value) implements Match {}

  /** Comparison operators netfence uses. */
  public enum Op {
    EQ("==", ""), NE("!=", "!= "), GE(">=", ">= ");

    private final String json;
    private final String text;

    Op(String json, String text) {
      this.json = json;
      this.text = text;
    }

    /** The operator as nft's JSON writes it. */
    public String json() {
      return json;
    }

    /** The operator as written before the value in nft's text syntax. */
    public String text() {
      return text;
    }
  }

  public static Equals eq(Field f, String value) {
    return new Equals(f, Op.EQ, value);
  }

  public static Equals ne(Field f, String value) {
    return new Equals(f, Op.NE, value);
  }

  /** {@code FIELD { a, b, c }}: an anonymous set. */
  public record InSet(Field field, List<String> values, boolean negated) implements Match {
    public InSet {
      values = List.copyOf(values);
    }
  }

  /** {@code F1 . F2 . F3 @set} (or {@code != @set}). */
  public record InNamedSet(List<Field> key, String set, boolean negated) implements Match {
    public InNamedSet {
      key = List.copyOf(key);
    }
  }

  /** What a rule does. */
  public sealed interface Verdict permits Accept, Drop, Jump, Return, Vmap, Masquerade, Notrack, CountIn {}

  public record Accept() implements Verdict {}

  public record Drop() implements Verdict {}

  public record Jump(String chain) implements Verdict {}

  public record Return() implements Verdict {}

  /** {@code KEY vmap @map}: look the key up in a verdict map, continue when absent. */
  public record Vmap(List<Field> key, String map) implements Verdict {
    public Vmap {
      key = List.copyOf(key);
    }
  }

  /** Source NAT to the outgoing interface's address. */
  public record Masquerade() implements Verdict {}

  /**
   * {@code counter name KEY map @map}: count in the named counter the map
   * gives for the key, and continue; when the key is absent, nothing is counted
   * and the rule ends there (the next rule runs).
   */
  public record CountIn(List<Field> key, String map) implements Verdict {
    public CountIn {
      key = List.copyOf(key);
    }
  }

  /** Exempt the packet from connection tracking. */
  public record Notrack() implements Verdict {}
}
