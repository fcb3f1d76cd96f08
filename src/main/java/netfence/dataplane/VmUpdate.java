package netfence.dataplane;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import netfence.nft.Family;
import netfence.nft.Nft;
import netfence.nft.NftCommand;
import netfence.nft.SetName;
import netfence.policy.Port;
import netfence.render.nft.NftPolicy;

/**
 * One VM interface added, removed, re-addressed or moved, as set-element
 * commands computed from the interface before and after: the cost does not
 * depend on how many other VMs there are, nothing is reloaded and nothing is
 * read back from the kernel.
 *
 * <pre>{@code
 * List<NftCommand> tx = VmUpdate.commands(Optional.of(before), Optional.of(after));
 * session.run(tx).orThrow();   // one transaction, written by NftScript
 * }</pre>
 */
public final class VmUpdate {
  private VmUpdate() {}

  /** The commands; none when nothing changes. Deletions come first, so a re-keyed map element can be re-added. */
  public static List<NftCommand> commands(Optional<Port> before, Optional<Port> after) {
    var old = elements(before);
    var now = elements(after);
    var out = new ArrayList<NftCommand>();
    diff(old, now, (fs, list) -> out.add(new NftCommand.DeleteElements(fs.family(), fs.set(), list)));
    diff(now, old, (fs, list) -> out.add(new NftCommand.AddElements(fs.family(), fs.set(), list)));
    before.filter(p -> after.isEmpty() || !p.tap().equals(after.get().tap()) || NftPolicy.family(p) != NftPolicy.family(after.get()))
        .ifPresent(p -> forgetDrops(out, p));
    return out;
  }

  /**
   * Removes the drop counts of a tap no VM interface of its table has any more, so
   * a later VM on that tap starts from zero. The packet path may or may not have
   * made them: add, then delete, works either way (nft 1.0.6 has no {@code destroy}).
   */
  private static void forgetDrops(List<NftCommand> out, Port p) {
    var tap = List.of(Nft.Element.of(NftPolicy.ifname(p.tap())));
    Family family = NftPolicy.family(p);
    for (var reason : NftPolicy.vmReasons(family)) {
      out.add(new NftCommand.AddElements(family, SetName.counted(reason), tap));
      out.add(new NftCommand.DeleteElements(family, SetName.counted(reason), tap));
    }
  }

  private record FamilySet(Family family, SetName set) {}

  /** Elements by family and set, from the port's contribution. */
  private static Map<FamilySet, List<Nft.Element>> elements(Optional<Port> p) {
    var m = new LinkedHashMap<FamilySet, List<Nft.Element>>();
    p.ifPresent(port -> NftPolicy.portElements(port).forEach((set, list) -> m.put(new FamilySet(NftPolicy.family(port), set), list)));
    return m;
  }

  /** Every element of {@code these} that {@code others} does not have, one list per set. */
  private static void diff(Map<FamilySet, List<Nft.Element>> these, Map<FamilySet, List<Nft.Element>> others,
      java.util.function.BiConsumer<FamilySet, List<Nft.Element>> out) {
    these.forEach((key, list) -> {
      var keep = new HashSet<>(others.getOrDefault(key, List.of()));
      var changed = list.stream().filter(e -> !keep.contains(e)).toList();
      if (!changed.isEmpty()) out.accept(key, changed);
    });
  }
}
