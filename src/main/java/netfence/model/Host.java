package netfence.model;

import java.util.Optional;

/** A virtualisation host; {@code uplink} is its interface with upstream access, if any. */
public record Host(String name, Optional<String> uplink) {}
