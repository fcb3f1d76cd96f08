package netfence.store;

import java.util.Optional;

/** The kinds of objects the store holds, named as the inventory's top-level keys. */
public enum Kind {
  HOSTS("hosts", "host"), NETWORKS("networks", "network"), VMS("vms", "VM");

  private final String key;
  private final String singular;

  Kind(String key, String singular) {
    this.key = key;
    this.singular = singular;
  }

  /** The inventory's key, also the API's path segment: {@code hosts}, {@code networks}, {@code vms}. */
  public String key() {
    return key;
  }

  /** One of them, as messages say it: {@code host}, {@code network}, {@code VM}. */
  public String singular() {
    return singular;
  }

  /** The kind of an inventory key. */
  public static Optional<Kind> of(String key) {
    for (Kind k : values()) if (k.key.equals(key)) return Optional.of(k);
    return Optional.empty();
  }
}
