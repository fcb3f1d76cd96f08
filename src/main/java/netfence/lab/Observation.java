package netfence.lab;

import netfence.verify.Case;
import netfence.verify.Packet;

/** How the lab tells whether a case's packet got through. */
sealed interface Observation {
  /**
   * The case's nonce must show up in a capture in {@code ns}: the packet itself behind the observer
   * port (bridge and forward paths), or the host's reply to it in the sender's namespace (host path).
   */
  record Capture(String ns) implements Observation {}

  /**
   * No packet would come back even when the host accepts this one (a router advertisement to the
   * host): a rise of netfence's named drop counter is the evidence that it was dropped.
   */
  record Counter(netfence.nft.Family family, netfence.nft.Reason name) implements Observation {
    @Override
    public String toString() {
      return "counter " + family.nft() + " " + netfence.nft.Nft.TABLE + " " + name.id();
    }
  }

  static Observation of(Case c, Topology topology) {
    return switch (c.path()) {
      case BRIDGE, FORWARD -> new Capture(topology.nsBehind(c.observer()));
      case HOST -> hostAnswers(c.packet()) ? new Capture(topology.nsBehind(c.ingress())) : counterFor(c);
    };
  }

  /**
   * Whether the host answers the packet in a way that carries its nonce: an echo reply carries the
   * echo's data, an ICMP port unreachable quotes the UDP datagram (no host port listens in the lab).
   */
  static boolean hostAnswers(Packet p) {
    return p.l4() == Packet.UDP || (p.l4() == Packet.ICMP && p.type() == 8) || (p.l4() == Packet.ICMPV6 && p.type() == 128);
  }

  private static Observation counterFor(Case c) {
    Packet p = c.packet();
    if (c.expect() == Case.Expect.BLOCK && p.l4() == Packet.ICMPV6 && (p.type() == 134 || p.type() == 137)) {
      return new Counter(netfence.nft.Family.INET, netfence.nft.Reason.RA);
    }
    throw new IllegalArgumentException("the lab cannot observe case '" + c.name() + "' of " + c.vm()
        + ": the host sends nothing back and no drop counter names it");
  }
}
