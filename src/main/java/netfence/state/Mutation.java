package netfence.state;

import netfence.store.Kind;

/** A change a client asks for. Bodies are an object's inventory-format mapping, as JSON or YAML. */
public sealed interface Mutation {
  Kind kind();

  String name();

  /**
   * Creates or replaces an object. For a VM, a missing index, tap, MAC and (on bridged
   * networks) addresses are allocated and written into the stored body.
   */
  record Put(Kind kind, String name, String body) implements Mutation {}

  /** Removes an object. */
  record Delete(Kind kind, String name) implements Mutation {}
}
