package netfence.render.libvirt;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A tiny XML tree and its writer, enough for libvirt's documents. Values are
 * never escaped: inventory names and addresses are validated before they get
 * here, so a value that would need escaping is a bug upstream, and the writer
 * refuses it rather than quietly writing something else than was validated.
 */
sealed interface Xml {
  /** Element and attribute names: plain XML names, no namespaces. */
  Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*");

  /** An element with attributes in document order and child nodes. */
  record Element(String name, List<Attribute> attributes, List<Xml> children) implements Xml {
    public Element {
      checkName(name);
      attributes = List.copyOf(attributes);
      children = List.copyOf(children);
    }

    Element with(Xml... more) {
      var all = new ArrayList<>(children);
      all.addAll(List.of(more));
      return new Element(name, attributes, all);
    }

    Element with(List<? extends Xml> more) {
      return with(more.toArray(Xml[]::new));
    }
  }

  /** {@code <name a='1' b='2'/>} from alternating attribute names and values. */
  static Element element(String name, String... attributeNamesAndValues) {
    if (attributeNamesAndValues.length % 2 != 0) throw new IllegalArgumentException("attributes of <" + name + "> must be name/value pairs");
    var attributes = new ArrayList<Attribute>();
    for (int i = 0; i < attributeNamesAndValues.length; i += 2) {
      attributes.add(new Attribute(attributeNamesAndValues[i], attributeNamesAndValues[i + 1]));
    }
    return new Element(name, attributes, List.of());
  }

  /** One attribute; its value may hold no character with a meaning in XML. */
  record Attribute(String name, String value) {
    public Attribute {
      checkName(name);
      checkPlain(value);
    }
  }

  /** Text content, e.g. of {@code <uuid>}; written on the line of its element when it is the only child. */
  record Text(String value) implements Xml {
    public Text {
      checkPlain(value);
    }
  }

  /** A comment, one or more lines; {@code --} could end it early, so it is refused. */
  record Comment(List<String> lines) implements Xml {
    public Comment {
      lines = List.copyOf(lines);
      for (String l : lines) {
        if (l.contains("--") || l.endsWith("-") || l.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
          throw new IllegalArgumentException("comment line cannot be written as XML: " + l);
        }
      }
    }

    static Comment of(String... lines) {
      return new Comment(List.of(lines));
    }
  }

  private static void checkPlain(String value) {
    for (char c : value.toCharArray()) {
      if (c == '<' || c == '>' || c == '&' || c == '\'' || c == '"' || c < 0x20 || c == 0x7f) {
        throw new IllegalArgumentException("'" + value.replaceAll("\\p{Cntrl}", "?")
            + "' would need escaping in XML; inventory values are validated, so this is a bug");
      }
    }
  }

  private static void checkName(String name) {
    if (!NAME.matcher(name).matches()) throw new IllegalArgumentException("'" + name + "' is not an XML name netfence writes");
  }

  /**
   * The document: top-level comments and the root element, two-space indentation, single-quoted
   * attributes as libvirt writes them. No XML declaration: libvirt's own files have none.
   */
  static String document(Xml... topLevel) {
    var b = new StringBuilder();
    for (Xml x : topLevel) write(b, x, "");
    return b.toString();
  }

  private static void write(StringBuilder b, Xml node, String indent) {
    switch (node) {
      case Comment c when c.lines().size() == 1 -> b.append(indent).append("<!-- ").append(c.lines().getFirst()).append(" -->\n");
      case Comment c -> {
        b.append(indent).append("<!--\n");
        for (String l : c.lines()) b.append(l.isEmpty() ? "" : indent + "  " + l).append('\n');
        b.append(indent).append("-->\n");
      }
      case Text t -> b.append(indent).append(t.value()).append('\n');
      case Element e when e.children().size() == 1 && e.children().getFirst() instanceof Text t -> {
        b.append(indent).append('<').append(e.name());
        attributes(b, e);
        b.append('>').append(t.value()).append("</").append(e.name()).append(">\n");
      }
      case Element e -> {
        b.append(indent).append('<').append(e.name());
        attributes(b, e);
        if (e.children().isEmpty()) {
          b.append("/>\n");
          return;
        }
        b.append(">\n");
        for (var child : e.children()) write(b, child, indent + "  ");
        b.append(indent).append("</").append(e.name()).append(">\n");
      }
    }
  }

  private static void attributes(StringBuilder b, Element e) {
    for (var a : e.attributes()) b.append(' ').append(a.name()).append("='").append(a.value()).append('\'');
  }
}
