package netfence.render.networkd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import netfence.dataplane.Exec;
import netfence.dataplane.Netns;
import netfence.model.AddressPlan;
import netfence.policy.HostPolicy;
import netfence.policy.Port;
import netfence.testing.Examples;
import netfence.testing.Kernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The generated files on the real systemd-networkd: the routed example's
 * host and guests as namespaces joined by veth pairs (the host ends are the
 * taps, the guest ends carry the VM's MAC), one private networkd per
 * namespace (src/test/resources/networkd-ns.sh), then the kernel's addresses
 * and routes read back and pings sent.
 */
@Tag("kernel")
class NetworkdKernelTest {
  private static final Path SCRIPT = Path.of("src/test/resources/networkd-ns.sh").toAbsolutePath();
  private static final String RUNDIR = "/run/nfnd-networkd";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void realNetworkdConfiguresTheRoutedExample() throws IOException {
    Kernel.require("ip", "/lib/systemd/systemd-networkd", "ping", "setpriv");
    var policy = HostPolicy.of(Examples.load(Path.of("examples/microvm-routed.yaml")), "hv1");
    var net = policy.routed().getFirst().network();
    List<Port> ports = policy.routed().getFirst().ports();
    var files = NetworkdFiles.of(policy, new NetworkdOptions(installedSystemd()));

    Path root = Files.createTempDirectory("nfnd-");
    var namespaces = new ArrayList<Netns>();
    var started = new ArrayList<String>();
    try {
      // networkd reads its files after dropping to user systemd-network: 0755 dirs, 0644 files.
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
      for (var e : files.entrySet()) write(root, e.getKey(), e.getValue());

      Netns hv = Netns.create("nfnd-hv");
      namespaces.add(hv);
      for (Port p : ports) {
        Netns vm = Netns.create("nfnd-" + p.vm());
        namespaces.add(vm);
        hv.exec("ip", "link", "add", p.tap(), "type", "veth", "peer", "name", "eth0", "netns", vm.name()).orThrow();
        vm.exec("ip", "link", "set", "eth0", "address", p.macText()).orThrow();
      }

      // The host first: its taps have no carrier yet (no VM "opened" them), so it cannot
      // finish; ConfigureWithoutCarrier= must still put the IPv4 address and routes on them.
      started.add(hv.name());
      var early = script("start", hv.name(), root.resolve("networkd/host").toString(), "3");
      assertThat(early.exitCode()).as("networkd on the host before any VM: %s", early.stderr()).isIn(0, 4);
      for (Port p : ports) {
        assertThat(addresses(hv, p.tap())).as("host tap %s without carrier", p.tap()).contains("10.0.0.0/32");
      }

      for (Port p : ports) {
        started.add("nfnd-" + p.vm());
        script("start", "nfnd-" + p.vm(), root.resolve("networkd/vm/" + p.vm()).toString(), "30").orThrow();
      }
      script("wait", hv.name(), "30").orThrow();

      for (Port p : ports) {
        String vm4 = AddressPlan.text(p.iface().ipv4Addresses().getFirst());
        String vm6 = AddressPlan.text(p.iface().ipv6Addresses().getFirst());
        var hostRoutes = routes(hv, p.tap(), false);
        var hostRoutes6 = routes(hv, p.tap(), true);
        System.out.printf("host %s: addr %s%n  route %s%n  route6 %s%n", p.tap(), addresses(hv, p.tap()), hostRoutes, hostRoutes6);
        assertThat(addresses(hv, p.tap())).contains("10.0.0.0/32", "fd00:0:0:1::/128");
        assertThat(hostRoutes).contains(vm4 + " scope link");
        assertThat(hostRoutes6).contains(vm6);
        for (var prefix : p.prefixes(true)) assertThat(hostRoutes).contains(AddressPlan.text(prefix) + " via " + vm4 + " onlink");
        for (var prefix : p.prefixes(false)) assertThat(hostRoutes6).contains(AddressPlan.text(prefix) + " via " + vm6 + " onlink");

        Netns vm = Netns.existing("nfnd-" + p.vm());
        var guestRoutes = routes(vm, "eth0", false);
        var guestRoutes6 = routes(vm, "eth0", true);
        System.out.printf("guest %s: addr %s%n  route %s%n  route6 %s%n", p.vm(), addresses(vm, "eth0"), guestRoutes, guestRoutes6);
        // The EUI-64 link-local is the only one the host's filter lets through.
        assertThat(addresses(vm, "eth0")).contains(vm4 + "/32", vm6 + "/128", AddressPlan.text(p.linkLocal()) + "/64");
        assertThat(guestRoutes).contains("10.0.0.0 scope link", "default via 10.0.0.0 onlink");
        assertThat(guestRoutes6).contains("fd00:0:0:1::", "default via fd00:0:0:1:: onlink");

        vm.exec("ping", "-c1", "-W2", AddressPlan.text(net.hostIpv4().orElseThrow())).orThrow();
        vm.exec("ping", "-c1", "-W2", AddressPlan.text(net.hostIpv6().orElseThrow())).orThrow();
      }
      // One VM to another goes through the host: forwarding is on and both routes work.
      Netns first = Netns.existing("nfnd-" + ports.getFirst().vm());
      first.exec("ping", "-c1", "-W2", AddressPlan.text(ports.getLast().iface().ipv4Addresses().getFirst())).orThrow();
      first.exec("ping", "-c1", "-W2", AddressPlan.text(ports.getLast().iface().ipv6Addresses().getFirst())).orThrow();
    } finally {
      for (String ns : started) script("stop", ns);
      namespaces.forEach(Netns::close);
      try (Stream<Path> s = Files.walk(root)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static int installedSystemd() {
    var out = Exec.run(List.of("/lib/systemd/systemd-networkd", "--version")).orThrow().stdout();
    var m = Pattern.compile("^systemd (\\d+)", Pattern.MULTILINE).matcher(out);
    assertThat(m.find()).as("systemd-networkd --version: %s", out).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private static Exec.Result script(String... args) {
    var cmd = new ArrayList<>(List.of("env", "NETWORKD_RUNDIR=" + RUNDIR, "sh", SCRIPT.toString()));
    cmd.addAll(List.of(args));
    return Exec.run(cmd, null, 60);
  }

  private static void write(Path root, String relative, String text) throws IOException {
    Path file = root.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    for (Path d = file.getParent(); !d.equals(root); d = d.getParent()) {
      Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  /** The addresses of {@code dev} as {@code address/len}, from {@code ip -j addr}. */
  private static List<String> addresses(Netns ns, String dev) throws IOException {
    var out = new ArrayList<String>();
    for (JsonNode link : JSON.readTree(ns.exec("ip", "-j", "addr", "show", "dev", dev).orThrow().stdout())) {
      for (JsonNode a : link.path("addr_info")) out.add(a.path("local").asText() + "/" + a.path("prefixlen").asInt());
    }
    return out;
  }

  /** The routes of {@code dev} as {@code dst [via gw] [onlink] [scope link]}, from {@code ip -j route}. */
  private static List<String> routes(Netns ns, String dev, boolean v6) throws IOException {
    var cmd = new ArrayList<>(List.of("ip", "-j"));
    if (v6) cmd.add("-6");
    cmd.addAll(List.of("route", "show", "dev", dev));
    var out = new ArrayList<String>();
    for (JsonNode r : JSON.readTree(ns.exec(cmd, null).orThrow().stdout())) {
      var b = new StringBuilder(r.path("dst").asText());
      if (r.has("gateway")) b.append(" via ").append(r.path("gateway").asText());
      for (JsonNode f : r.path("flags")) b.append(' ').append(f.asText());
      if ("link".equals(r.path("scope").asText())) b.append(" scope link");
      out.add(b.toString());
    }
    return out;
  }
}
