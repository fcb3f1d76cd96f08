package netfence.model;

import inet.ipaddr.IPAddress;
import java.util.List;
import java.util.Optional;

/** A VM network: either routed (a tap per VM, host routes) or bridged (a shared L2 segment). */
public sealed interface Network permits RoutedNetwork, BridgedNetwork {
  String name();

  /** The IPv4 prefix of the network, if it has one. */
  Optional<IPAddress> ipv4();

  /** The IPv6 prefix of the network, if it has one. */
  Optional<IPAddress> ipv6();

  /** DNS servers handed to guests. */
  List<IPAddress> dns();
}
