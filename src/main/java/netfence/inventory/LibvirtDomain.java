package netfence.inventory;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * What netfence takes from a libvirt domain's XML: its name and, per
 * {@code <interface>}, the MAC, the bridge (for {@code type='bridge'}), the
 * tap ({@code <target dev>}) and the addresses its {@code <filterref>}
 * parameters name ({@code IP}, {@code IPV6}, as clean-traffic and
 * netfence's own filters use them). DTDs and external entities are refused.
 *
 * <pre>{@code
 * var d = LibvirtDomain.parse(Files.readString(Path.of("web.xml")));
 * d.interfaces().forEach(i -> ...);   // i.bridge() names the bridge; map it to the inventory's network
 * }</pre>
 */
public record LibvirtDomain(String name, List<Interface> interfaces) {
  public LibvirtDomain {
    interfaces = List.copyOf(interfaces);
  }

  /** One {@code <interface>}: {@code type} is libvirt's (bridge, ethernet, network, ...). */
  public record Interface(String type, Optional<String> mac, Optional<String> bridge, Optional<String> tap, List<String> addresses,
      List<String> routedPrefixes) {
    public Interface {
      addresses = List.copyOf(addresses);
      routedPrefixes = List.copyOf(routedPrefixes);
    }
  }

  /** Parses domain XML; throws {@link IllegalArgumentException} naming what is wrong. */
  public static LibvirtDomain parse(String xml) {
    try {
      var f = DocumentBuilderFactory.newInstance();
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setExpandEntityReferences(false);
      var doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
      Element domain = doc.getDocumentElement();
      if (!domain.getTagName().equals("domain")) throw new IllegalArgumentException("not a libvirt domain: the root is <" + domain.getTagName() + ">");
      String name = child(domain, "name").map(Element::getTextContent).map(String::strip)
          .orElseThrow(() -> new IllegalArgumentException("the domain has no <name>"));
      var interfaces = new ArrayList<Interface>();
      for (Element devices : children(domain, "devices")) {
        for (Element i : children(devices, "interface")) {
          var addresses = new java.util.LinkedHashSet<String>();
          var prefixes = new java.util.LinkedHashSet<String>();
          for (Element ref : children(i, "filterref")) {
            var sources = new java.util.LinkedHashMap<String, List<String>>(); // IPSRC, IPSRCMASK, IPV6SRC, IPV6SRCMASK
            for (Element p : children(ref, "parameter")) {
              String pn = p.getAttribute("name");
              String v = p.getAttribute("value");
              if (pn.equals("IP") || pn.equals("IPV6")) addresses.add(v);
              else if (pn.matches("IP(V6)?SRC(MASK)?")) sources.computeIfAbsent(pn, k -> new ArrayList<>()).add(v);
            }
            // netfence's own filters pass sources as address/length pairs: full length is an address
            // (the EUI-64 link-local among them is derived, not listed), shorter is a routed prefix.
            for (String fam : List.of("IPSRC", "IPV6SRC")) {
              var addrs = sources.getOrDefault(fam, List.of());
              var masks = sources.getOrDefault(fam + "MASK", List.of());
              int full = fam.equals("IPSRC") ? 32 : 128;
              for (int k = 0; k < addrs.size() && k < masks.size(); k++) {
                int len = Integer.parseInt(masks.get(k));
                String a = addrs.get(k);
                if (len < full) prefixes.add(a + "/" + len);
                else if (!a.toLowerCase(java.util.Locale.ROOT).startsWith("fe80:")) addresses.add(a);
              }
            }
          }
          interfaces.add(new Interface(i.getAttribute("type"), attr(i, "mac", "address"), attr(i, "source", "bridge"),
              attr(i, "target", "dev"), List.copyOf(addresses), List.copyOf(prefixes)));
        }
      }
      return new LibvirtDomain(name, interfaces);
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot read the domain XML: " + e.getMessage(), e);
    }
  }

  private static Optional<String> attr(Element parent, String child, String attribute) {
    return child(parent, child).map(e -> e.getAttribute(attribute)).filter(v -> !v.isEmpty());
  }

  private static Optional<Element> child(Element parent, String tag) {
    return children(parent, tag).stream().findFirst();
  }

  private static List<Element> children(Element parent, String tag) {
    var out = new ArrayList<Element>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(tag)) out.add(e);
    }
    return out;
  }
}
