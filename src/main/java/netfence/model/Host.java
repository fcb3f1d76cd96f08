package netfence.model;

import java.util.List;
import java.util.Optional;

/**
 * A virtualisation host; {@code uplink} is its interface with upstream access, if any;
 * {@code trustedInterfaces} are the other interfaces (a VPN, a management link) from which
 * traffic may be routed to its routed VMs. Anything else reaches no routed VM.
 */
public record Host(String name, Optional<String> uplink, List<String> trustedInterfaces) {
  public Host {
    trustedInterfaces = List.copyOf(trustedInterfaces);
  }

  public Host(String name, Optional<String> uplink) {
    this(name, uplink, List.of());
  }
}
