package netfence.model;

import java.util.List;

/** A virtual machine: its host, its unique index and its interfaces. */
public record Vm(String name, String host, int index, List<VmInterface> interfaces) {
  public Vm {
    if (index < 1) throw new IllegalArgumentException("index (" + index + ") must be positive");
    interfaces = List.copyOf(interfaces);
  }
}
