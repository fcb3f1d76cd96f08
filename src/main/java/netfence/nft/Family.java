package netfence.nft;

import java.util.Locale;

/**
 * The nftables families. netfence's own tables are {@link #BRIDGE} (shared
 * bridges) and {@link #INET} (routed networks); the others appear only in
 * what the JSON reader finds in a live ruleset and in the hooks the
 * evaluator runs ({@code ip}/{@code ip6} packets also traverse {@code inet}).
 */
public enum Family {
  IP("ip"), IP6("ip6"), INET("inet"), ARP("arp"), BRIDGE("bridge"), NETDEV("netdev");

  private final String nft;

  Family(String nft) {
    this.nft = nft;
  }

  /** The family as nft writes it. */
  public String nft() {
    return nft;
  }

  /** The family nft calls {@code name}; throws {@link NftJson.NotRepresentable} for anything else. */
  public static Family of(String name) {
    for (Family f : values()) if (f.nft.equals(name.toLowerCase(Locale.ROOT))) return f;
    throw new NftJson.NotRepresentable("unknown nft family '" + name + "'");
  }

  @Override
  public String toString() {
    return nft;
  }
}
