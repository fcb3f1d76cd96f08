package netfence.nft;

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

  /**
   * The most elements a counted set holds: VM interfaces that have had a drop
   * of its reason. Beyond it, drops are still dropped and counted per reason,
   * not per VM.
   */
  public static final int COUNTED_SET_SIZE = 65_536;

  /** The name of netfence's tables, in both of its families. */
  public static final String TABLE = "netfence";

  /** A table of one family; {@code counters} are the named counters its rules count drops in, one per reason. */
  public record Table(Family family, String name, List<String> counters, List<Set> sets, List<Chain> chains) {
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
   * A named set or, by its {@code data}, a verdict map or a counted set.
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

  /**
   * What a set maps its keys to: nothing (a set), verdicts (a verdict map), or
   * a counter per element ({@code COUNTER}: a dynamic set declared with
   * {@code counter}, whose elements the packet path adds with {@link CountIn};
   * they are the kernel's state, never the policy's, so the policy declares it empty).
   */
  public enum Data {
    NONE, VERDICT, COUNTER
  }

  /** A set element: one value per key field, and for a verdict map its verdict. */
  public record Element(List<String> key, Optional<Verdict> verdict) {
    public Element {
      key = List.copyOf(key);
    }

    /** True for map elements, which nft deletes by their key alone. */
    public boolean mapped() {
      return verdict.isPresent();
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
   * {@code add @set { KEY }} on a counted set ({@link Data#COUNTER}): the
   * packet's key gets an element (if it has none) and that element's counter
   * counts the packet; then the rule continues. When the set is full nothing is
   * counted and the rule ends there (the next rule runs). Decides nothing.
   */
  public record CountIn(List<Field> key, String map) implements Verdict {
    public CountIn {
      key = List.copyOf(key);
    }
  }

  /** Exempt the packet from connection tracking. */
  public record Notrack() implements Verdict {}
}
