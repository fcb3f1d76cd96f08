package netfence.verify;

import inet.ipaddr.IPAddress;
import java.util.Optional;

/**
 * One attack or legitimate packet: who sends it, on which host port it
 * arrives, the way it takes through the host, what must happen, and where
 * the lab looks for it.
 *
 * @param vm the VM (or trusted/rogue port) that sends
 * @param ingress the host-side interface the frame arrives on
 * @param path which hooks the packet traverses
 * @param observer the host port behind which the lab captures it (bridge and forward paths)
 * @param natTo for traffic to the uplink: the source address it must leave with
 */
public record Case(
    String vm, String name, Expect expect, String ingress, Path path, Packet packet, String observer, Optional<IPAddress> natTo) {

  /** What must happen to the packet. */
  public enum Expect {
    PASS, BLOCK
  }

  /** The hooks a packet traverses on the host. */
  public enum Path {
    /** Bridged from one port to another (bridge hooks, then inet hooks through br_netfilter). */
    BRIDGE,
    /** Routed to the host itself (inet prerouting, input). */
    HOST,
    /** Routed through the host (inet prerouting, forward, postrouting). */
    FORWARD
  }
}
