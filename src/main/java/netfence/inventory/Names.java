package netfence.inventory;

import java.util.regex.Pattern;

/**
 * Which names may reach generated files. Names are validated, never escaped:
 * a name that could inject syntax into nft, XML, INI or Nix is an error.
 * {@link #objectNameProblem} and {@link #printable} are public for the API, which checks a
 * name in a request path with the same rule and message before the request goes further.
 */
public final class Names {
  /** Hosts, networks, VMs: also file names and Nix attribute names. */
  private static final Pattern OBJECT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

  private Names() {}

  static void checkObject(Node.Scalar name, String what, Problems problems) {
    objectNameProblem(what, name.value()).ifPresent(m -> problems.error(name.pos(), "%s", m));
  }

  /** Why {@code name} cannot name a host, network or VM ({@code what}), or empty when it can. */
  public static java.util.Optional<String> objectNameProblem(String what, String name) {
    if (OBJECT.matcher(name).matches()) return java.util.Optional.empty();
    return java.util.Optional.of("%s name '%s' is invalid: use 1 to 63 characters from [A-Za-z0-9_.-], starting with a letter or digit"
        .formatted(what, printable(name)));
  }

  /** Reports and returns false when {@code name} cannot be a Linux interface name. */
  static boolean checkInterface(Node.Scalar name, String what, Problems problems) {
    String v = name.value();
    boolean charsOk = v.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '-'));
    if (!charsOk || v.isEmpty() || v.equals(".") || v.equals("..")) {
      problems.error(name.pos(), "%s '%s' is not a valid interface name: use 1 to 15 characters from [A-Za-z0-9_.-]",
          what, printable(v));
      return false;
    }
    if (v.length() > 15) {
      problems.error(name.pos(), "%s '%s' is %d characters long; Linux interface names have at most 15", what, v, v.length());
      return false;
    }
    return true;
  }

  /** The name with control characters shown as escapes, so a message never carries them raw. */
  public static String printable(String s) {
    var b = new StringBuilder();
    s.codePoints().forEach(c -> {
      if (c < 0x20 || c == 0x7f) b.append("\\x%02x".formatted(c));
      else b.appendCodePoint(c);
    });
    return b.toString();
  }
}
