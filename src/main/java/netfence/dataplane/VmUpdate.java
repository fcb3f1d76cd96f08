package netfence.dataplane;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import netfence.policy.Port;
import netfence.render.nft.Nft;
import netfence.render.nft.NftPolicy;
import netfence.render.nft.NftText;

/**
 * One VM interface added, removed, re-addressed or moved, as one nft
 * transaction of set-element changes computed from the interface before and
 * after: the cost does not depend on how many other VMs there are, nothing
 * is reloaded and nothing is read back from the kernel.
 *
 * <pre>{@code
 * String tx = VmUpdate.commands(Optional.of(before), Optional.of(after));
 * session.run(tx).orThrow();
 * }</pre>
 */
public final class VmUpdate {
  private VmUpdate() {}

  /** The transaction; empty when nothing changes. Deletions come first, so a re-keyed map element can be re-added. */
  public static String commands(Optional<Port> before, Optional<Port> after) {
    var old = elements(before);
    var now = elements(after);
    var b = new StringBuilder();
    emit(b, "delete", old, now);
    emit(b, "add", now, old);
    before.filter(p -> after.isEmpty() || !p.tap().equals(after.get().tap()) || !NftPolicy.family(p).equals(NftPolicy.family(after.get())))
        .ifPresent(p -> forgetDrops(b, p));
    return b.toString();
  }

  /**
   * Removes the drop counts of a tap no VM interface of its table has any more, so
   * a later VM on that tap starts from zero. The packet path may or may not have
   * made them: add, then delete, works either way (nft 1.0.6 has no {@code destroy}).
   */
  private static void forgetDrops(StringBuilder b, Port p) {
    String tap = NftPolicy.ifname(p.tap());
    for (String reason : NftPolicy.vmReasons(NftPolicy.family(p))) {
      for (String verb : List.of("add", "delete")) {
        b.append(verb).append(" element ").append(NftPolicy.family(p)).append(' ').append(NftPolicy.TABLE).append(' ')
            .append(NftPolicy.countedSet(reason)).append(" { ").append(tap).append(" }\n");
      }
    }
  }

  /** Elements by "family set", from the port's contribution. */
  private static Map<String, List<Nft.Element>> elements(Optional<Port> p) {
    var m = new LinkedHashMap<String, List<Nft.Element>>();
    p.ifPresent(port -> NftPolicy.portElements(port).forEach((set, list) -> m.put(NftPolicy.family(port) + " " + set, list)));
    return m;
  }

  /** {@code verb} every element of {@code these} that {@code others} does not have, one command per set. */
  private static void emit(StringBuilder b, String verb, Map<String, List<Nft.Element>> these, Map<String, List<Nft.Element>> others) {
    these.forEach((key, list) -> {
      var keep = new HashSet<>(others.getOrDefault(key, List.of()));
      var changed = new ArrayList<String>();
      for (var e : list) {
        // A map element is deleted by its key alone.
        if (!keep.contains(e)) changed.add(verb.equals("delete") && e.mapped() ? String.join(" . ", e.key()) : NftText.element(e));
      }
      if (!changed.isEmpty()) {
        String[] familySet = key.split(" ", 2);
        b.append(verb).append(" element ").append(familySet[0]).append(' ').append(NftPolicy.TABLE).append(' ').append(familySet[1])
            .append(" { ").append(String.join(", ", changed)).append(" }\n");
      }
    });
  }
}
