package netfence.dataplane;

/** Apply could not read the kernel's state or could not change it; the message says which step and why. */
public final class ApplyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ApplyException(String message) {
    super(message);
  }
}
