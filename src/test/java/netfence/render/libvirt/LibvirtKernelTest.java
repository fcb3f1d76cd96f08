package netfence.render.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import netfence.dataplane.Exec;
import netfence.dataplane.Netns;
import netfence.policy.HostPolicy;
import netfence.testing.Examples;
import netfence.testing.Kernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated files against the real libvirt: its schemas, and its
 * nwfilter driver (ebtables-nft) filtering frames between network namespaces.
 * Everything created is named {@code nflv*} and removed again; libvirtd is
 * stopped again only if this test started it.
 */
@Tag("kernel")
class LibvirtKernelTest {
  private static final String VIRSH_URI = "qemu:///system";
  /** uncloud's vm2: dual stack with an IPv4 and an IPv6 routed prefix, so the lockstep lists are exercised. */
  private static final Path EXAMPLE = Path.of("examples/uncloud-bridge.yaml");
  private static final String VM = "vm2";
  private static final String MAC = "02:00:f0:a9:c4:4f";
  private static final String NEIGHBOUR_MAC = "02:00:f0:a9:c4:4e";

  /** Frames sent by vm2: "TAG KIND SRCMAC SRC"; tags starting with L must pass, with S must be dropped. */
  private static final List<String> FRAMES = List.of(
      "L4 ip4 " + MAC + " 198.51.100.12",
      "L4PREFIX ip4 " + MAC + " 203.0.113.20",
      "L6 ip6 " + MAC + " 2a0a:e5c1:111:888:0:f0ff:fea9:c44f",
      "L6PREFIX ip6 " + MAC + " 2a0a:e5c1:111:1234::5",
      "L6LL ip6 " + MAC + " fe80::f0ff:fea9:c44f",
      "LARP arp " + MAC + " 198.51.100.12",
      "S4 ip4 " + MAC + " 198.51.100.11",
      "S4PREFIX ip4 " + MAC + " 203.0.113.32",
      "S6 ip6 " + MAC + " 2a0a:e5c1:111:888:0:f0ff:fea9:c44e",
      "S6LL ip6 " + MAC + " fe80::f0ff:fea9:c44e",
      "SMAC ip4 " + NEIGHBOUR_MAC + " 198.51.100.12",
      "SARP arp " + MAC + " 198.51.100.11",
      "SRA ra " + MAC + " fe80::f0ff:fea9:c44f",
      "LEND ip4 " + MAC + " 198.51.100.12");

  @Test
  void everyGeneratedFilePassesLibvirtsSchemas(@TempDir Path dir) throws IOException {
    Kernel.require("virt-xml-validate");
    for (Path example : Examples.all()) {
      var inv = Examples.load(example);
      for (var host : inv.hosts()) {
        for (var e : LibvirtFiles.of(HostPolicy.of(inv, host.name())).entrySet()) {
          boolean filter = e.getKey().startsWith(LibvirtFiles.NWFILTER_DIR);
          // A bare <interface> has no schema of its own (virt-xml-validate's "interface" is the
          // host interface schema): put the file's <devices> into a minimal domain, as libvirt would.
          String text = filter ? e.getValue() : inDomain(e.getValue());
          Path f = Files.writeString(dir.resolve("f.xml"), text);
          var r = Exec.run(List.of("virt-xml-validate", f.toString(), filter ? "nwfilter" : "domain"));
          assertThat(r.ok()).as("%s of %s: %s%s", e.getKey(), example, r.stdout(), r.stderr()).isTrue();
        }
      }
    }
  }

  @Test
  void libvirtDropsSpoofedFramesAndPassesLegitimateOnes(@TempDir Path dir) throws Exception {
    Kernel.require("virt-xml-validate", "virsh", "libvirtd", "python3", "ip");
    var inv = Examples.load(EXAMPLE);
    Map<String, String> files = LibvirtFiles.of(HostPolicy.of(inv, "hv1"));
    String id = String.valueOf(ProcessHandle.current().pid() % 100000);
    String bridge = "nflvbr" + id;
    String tap = "nflvt" + id;
    String observerPort = "nflvo" + id;
    Path frames = dir.resolve("frames.py");
    try (var in = getClass().getResourceAsStream("frames.py")) {
      Files.write(frames, in.readAllBytes());
    }

    try (var daemon = Libvirtd.ensureRunning();
         var vmNs = Netns.create("nflv-vm-" + id);
         var obsNs = Netns.create("nflv-obs-" + id)) {
      var defined = new ArrayList<String>();
      try {
        ip("link", "add", bridge, "type", "bridge");
        ip("link", "add", tap, "type", "veth", "peer", "name", "eth0", "netns", vmNs.name());
        ip("link", "add", observerPort, "type", "veth", "peer", "name", "eth0", "netns", obsNs.name());
        vmNs.exec("ip", "link", "set", "eth0", "address", MAC, "up").orThrow();
        obsNs.exec("ip", "link", "set", "eth0", "up").orThrow();
        for (String port : List.of(tap, observerPort)) ip("link", "set", port, "master", bridge, "up");
        ip("link", "set", bridge, "up");

        // Control: without the filter every frame arrives, so the drops below are the filter's.
        assertThat(exchange(vmNs, obsNs, frames)).as("without filter").containsAll(tags("L")).containsAll(tags("S"));

        Set<String> existing = filterNames();
        // Sub-filters first: a root filter referring to an undefined one is refused.
        var names = files.keySet().stream().filter(k -> k.startsWith(LibvirtFiles.NWFILTER_DIR))
            .sorted((a, b) -> Boolean.compare(a.contains("clean-traffic"), b.contains("clean-traffic"))).toList();
        for (String name : names) {
          Path f = Files.writeString(dir.resolve("filter.xml"), files.get(name));
          virsh("nwfilter-define", f.toString());
          String filter = name.substring(LibvirtFiles.NWFILTER_DIR.length(), name.length() - ".xml".length());
          if (!existing.contains(filter)) defined.addFirst(filter);
        }
        Path binding = Files.writeString(dir.resolve("binding.xml"), binding(files.get(LibvirtFiles.INTERFACE_DIR + VM + ".xml"), tap));
        assertThat(Exec.run(List.of("virt-xml-validate", binding.toString(), "nwfilterbinding")).ok()).isTrue();
        virsh("nwfilter-binding-create", binding.toString());

        Set<String> seen = exchange(vmNs, obsNs, frames);
        assertThat(seen).as("legitimate frames of %s", VM).containsAll(tags("L"));
        assertThat(seen).as("spoofed frames of %s", VM).doesNotContainAnyElementsOf(tags("S"));
      } finally {
        Exec.run(List.of("virsh", "-c", VIRSH_URI, "nwfilter-binding-delete", tap));
        // roots before the sub-filters they use: libvirt refuses to undefine a filter in use
        for (String f : defined) Exec.run(List.of("virsh", "-c", VIRSH_URI, "nwfilter-undefine", f));
        for (String link : List.of(tap, observerPort, bridge)) Exec.run(List.of("ip", "link", "del", link));
      }
    }
  }

  private static List<String> tags(String prefix) {
    return FRAMES.stream().map(f -> f.split(" ")[0]).filter(t -> t.startsWith(prefix)).toList();
  }

  /** Starts the sniffer on the observer's port, sends every frame from the VM, returns the tags the sniffer saw. */
  private static Set<String> exchange(Netns vm, Netns observer, Path frames) throws IOException, InterruptedException {
    // The window only bounds a failing run; a passing one ends at the last (legitimate) frame.
    var sniffer = new ProcessBuilder("ip", "netns", "exec", observer.name(), "python3", frames.toString(), "recv", "eth0", "20", "LEND")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    var seen = new LinkedHashSet<String>();
    try (var out = new BufferedReader(new InputStreamReader(sniffer.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("ready");
      vm.exec(List.of("python3", frames.toString(), "send", "eth0"), String.join("\n", FRAMES) + "\n").orThrow();
      for (String line; (line = out.readLine()) != null; ) seen.add(line);
    } finally {
      sniffer.destroy();
      sniffer.waitFor();
    }
    return seen;
  }

  /** A filter binding for {@code tap} with the filterref of the VM's generated interface file. */
  static String binding(String interfaceFile, String tap) {
    int from = interfaceFile.indexOf("<filterref");
    int to = interfaceFile.indexOf("</filterref>") + "</filterref>".length();
    assertThat(from).isNotNegative();
    assertThat(interfaceFile.indexOf("<filterref", from + 1)).as("one interface").isNegative();
    return "<filterbinding>\n  <owner>\n    <name>nflv-test-" + VM + "</name>\n    <uuid>"
        + UUID.nameUUIDFromBytes(("nflv-test:" + tap).getBytes(StandardCharsets.UTF_8)) + "</uuid>\n  </owner>\n"
        + "  <portdev name='" + tap + "'/>\n  <mac address='" + MAC + "'/>\n  "
        + interfaceFile.substring(from, to) + "\n</filterbinding>\n";
  }

  static String inDomain(String interfaceFile) {
    return interfaceFile
        .replace("<devices>", "<domain type='kvm'>\n<name>nflv-validate</name>\n<memory unit='MiB'>256</memory>\n"
            + "<os><type arch='x86_64'>hvm</type></os>\n<devices>")
        .replace("</devices>", "</devices>\n</domain>");
  }

  private static Set<String> filterNames() {
    var out = new LinkedHashSet<String>();
    for (String line : virsh("nwfilter-list").stdout().split("\n")) {
      String[] cols = line.trim().split("\\s+");
      if (cols.length == 2 && !cols[0].equals("UUID")) out.add(cols[1]);
    }
    return out;
  }

  private static Exec.Result virsh(String... args) {
    var cmd = new ArrayList<>(List.of("virsh", "-c", VIRSH_URI));
    cmd.addAll(List.of(args));
    return Exec.run(cmd).orThrow();
  }

  private static void ip(String... args) {
    var cmd = new ArrayList<>(List.of("ip"));
    cmd.addAll(List.of(args));
    Exec.run(cmd).orThrow();
  }

  /**
   * libvirtd for the test: the running one, or one started with {@code libvirtd -d}
   * (CI has no systemd as PID 1, so no systemctl) and stopped again on close, by its
   * pid file. libvirt leaves an empty {@code table bridge nat} behind; it goes too when
   * it was not there before.
   */
  record Libvirtd(long startedPid, boolean natTableExisted) implements AutoCloseable {
    static Libvirtd ensureRunning() throws InterruptedException, IOException {
      if (Exec.run(List.of("virsh", "-c", VIRSH_URI, "nwfilter-list")).ok()) return new Libvirtd(-1, true);
      boolean natTable = Exec.run(List.of("nft", "list", "table", "bridge", "nat")).ok();
      Exec.run(List.of("libvirtd", "-d")).orThrow();
      long pid = Long.parseLong(Files.readString(Path.of("/run/libvirtd.pid")).trim());
      var d = new Libvirtd(pid, natTable);
      for (int i = 0; i < 100 && !Exec.run(List.of("virsh", "-c", VIRSH_URI, "nwfilter-list")).ok(); i++) Thread.sleep(100);
      return d;
    }

    @Override
    public void close() {
      if (startedPid < 0) return;
      ProcessHandle.of(startedPid).filter(p -> p.info().command().orElse("").endsWith("libvirtd")).ifPresent(p -> {
        p.destroy();
        p.onExit().join();
      });
      if (!natTableExisted) Exec.run(List.of("nft", "delete", "table", "bridge", "nat"));
    }
  }
}
