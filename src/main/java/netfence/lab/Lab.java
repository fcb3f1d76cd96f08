package netfence.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import netfence.dataplane.Exec;
import netfence.dataplane.HostApply;
import netfence.dataplane.Netns;
import netfence.model.AddressPlan;
import netfence.model.Inventory;
import netfence.policy.HostPolicy;
import netfence.policy.Port;
import netfence.nft.Family;
import netfence.nft.Nft;
import netfence.nft.NftCommand;
import netfence.nft.NftScript;
import netfence.verify.Case;
import netfence.verify.Matrix;
import netfence.verify.Cases;
import netfence.verify.Frames;

/**
 * {@code netfence lab}: builds each host of an inventory and its VMs as
 * network namespaces, applies the host's policy, sends every attack and
 * legitimate case as a real frame, and reports what got through.
 *
 * <pre>{@code
 * Matrix m = Lab.run(inventory, Lab.Options.STANDARD, out);   // prints the matrix
 * if (!s.clean()) ...                                                 // a leak or a false drop
 * }</pre>
 *
 * <p>Per host, every frame of a namespace goes out in one {@code rawpkt.py
 * send}; captures run in every observing namespace at once and are matched
 * by the nonce each frame carries. Everything is torn down at the end, on
 * failure and on Ctrl-C.
 */
public final class Lab {
  /** How long the lab waits for the frames that must pass before it stops looking. */
  private static final long PASS_WAIT_MS = 2000;

  /** How long after that a frame that should have been dropped still has to show up. */
  private static final long LEAK_GRACE_MS = 300;

  private static final HexFormat HEX = HexFormat.of();

  /** @param withoutRuleset negative control: everything but netfence's nft tables, to prove leaks are visible */
  public record Options(boolean withoutRuleset) {
    public static final Options STANDARD = new Options(false);
  }

  private Lab() {}

  public static Matrix run(Inventory inv, Options options, PrintWriter out) throws IOException {
    var all = new Matrix();
    try (var sandbox = Sandbox.open()) {
      var tool = PacketTool.extract(sandbox);
      for (int h = 0; h < inv.hosts().size(); h++) {
        String host = inv.hosts().get(h).name();
        var policy = HostPolicy.of(inv, host);
        var topology = Topology.of(policy, h);
        try {
          build(sandbox, topology);
          Netns hostNs = Netns.existing(topology.hostNs());
          // The real apply: it finds the rogue ports on the bridges itself and puts them in @foreign_ports.
          var report = HostApply.apply(hostNs, inv, host, false);
          report.notes().forEach(n -> out.println("note: " + n));
          // Then, with no agent running, a port nobody told netfence about is plugged in.
          for (var b : topology.bridges()) {
            for (String p : b.latePorts()) ip(hostNs, "link", "set", p, "master", b.name());
          }
          if (options.withoutRuleset()) deleteTables(hostNs, policy);
          floodEverything(hostNs, policy, topology);
          var hostRows = send(tool, topology, Cases.of(policy));
          var matrix = new Matrix();
          hostRows.forEach(r -> matrix.add(r.toMatrix()));
          out.printf("host %s%s: %d namespaces (%s ...)%n", topology.host(), options.withoutRuleset() ? " WITHOUT netfence's ruleset" : "",
              topology.namespaces().size(), topology.hostNs());
          matrix.print(out);
          all.addAll(matrix);
        } finally {
          sandbox.deleteNamespaces(topology.namespaces().reversed());
        }
      }
    }
    if (inv.hosts().size() > 1) out.println("all hosts: " + all.summary());
    out.flush();
    return all;
  }

  // ---- topology -------------------------------------------------------------------

  private static void build(Sandbox sandbox, Topology t) {
    Netns host = sandbox.namespace(t.hostNs());
    noDad(host);
    for (var b : t.bridges()) {
      // Lab-only: no STP delay and no multicast snooping, so every port sees every flooded frame at once.
      ip(host, "link", "add", b.name(), "type", "bridge", "stp_state", "0", "mcast_snooping", "0");
      ip(host, "link", "set", b.name(), "up");
    }
    for (var e : t.ends()) {
      Netns ns = sandbox.namespace(e.ns());
      noDad(ns);
      ip(host, "link", "add", e.port(), "type", "veth", "peer", "name", "eth0", "netns", e.ns());
      if (e.mac().isPresent()) ip(ns, "link", "set", "eth0", "address", e.mac().get());
      ip(ns, "link", "set", "eth0", "up");
      for (String a : e.addresses()) addAddress(ns, "eth0", a);
      for (var r : e.routes()) ip(ns, r.toArray(String[]::new));
      if (e.hostMac().isPresent()) ip(host, "link", "set", e.port(), "address", e.hostMac().get());
      for (String a : e.hostAddresses()) addAddress(host, e.port(), a);
      ip(host, "link", "set", e.port(), "up");
    }
    for (var b : t.bridges()) {
      for (String p : b.labPorts()) ip(host, "link", "set", p, "master", b.name());
    }
    if (t.defaultViaInternet()) ip(host, "-4", "route", "add", "default", "via", AddressPlan.text(Cases.LAB_INTERNET));
    // The stray tap is as an attacker leaves it: no reverse path filter.
    for (var e : t.ends()) {
      if (e.role() == Topology.Role.STRAY) exec(host, "sysctl", "-qw", "net.ipv4.conf." + e.port() + ".rp_filter=0");
    }
  }

  /** Lab-only: addresses are usable at once (DAD would hold them back for a second). */
  private static void noDad(Netns ns) {
    ns.exec("sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0").orThrow();
  }

  /**
   * Lab-only: bridge ports do not learn, so unicast is flooded too and every observer sees every
   * frame the bridge forwards; a forged source MAC that got through cannot steer later cases away.
   */
  private static void floodEverything(Netns host, HostPolicy policy, Topology t) {
    for (var b : policy.bridges()) {
      for (Port p : b.ports()) exec(host, "bridge", "link", "set", "dev", p.tap(), "learning", "off");
    }
    for (var b : t.bridges()) {
      for (String p : b.labPorts()) exec(host, "bridge", "link", "set", "dev", p, "learning", "off");
      for (String p : b.latePorts()) exec(host, "bridge", "link", "set", "dev", p, "learning", "off");
    }
  }

  /** The negative control: the host as apply leaves it, minus netfence's enforcement (its tables and rp_filter). */
  private static void deleteTables(Netns ns, HostPolicy policy) {
    ns.exec(List.of("nft", "-f", "-"), NftScript.write(List.of(new NftCommand.DeleteTable(Family.BRIDGE),
        new NftCommand.DeleteTable(Family.INET)))).orThrow();
    // apply's strict reverse-path filter on routed taps also drops spoofed IPv4: part of netfence too.
    exec(ns, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0");
    for (var r : policy.routed()) {
      for (Port p : r.ports()) exec(ns, "sysctl", "-qw", "net.ipv4.conf." + p.tap() + ".rp_filter=0");
    }
  }

  // ---- sending and observing --------------------------------------------------------

  private static List<Row> send(PacketTool tool, Topology t, List<Case> cases) throws IOException {
    byte[] mark = new byte[4];
    new SecureRandom().nextBytes(mark);
    var nonces = new ArrayList<String>();
    var observations = new ArrayList<Observation>();
    var bySender = new LinkedHashMap<String, List<String>>();
    var sniffed = new LinkedHashMap<String, PacketTool.Sniffer>();
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      byte[] nonce = ByteBuffer.allocate(8).put(mark).putInt(i).array();
      nonces.add(HEX.formatHex(nonce));
      var o = Observation.of(c, t);
      observations.add(o);
      if (o instanceof Observation.Capture cap) {
        bySender.computeIfAbsent(t.nsBehind(c.ingress()), k -> new ArrayList<>()).add(Frames.hex(Frames.encode(c.packet(), nonce)));
        sniffed.putIfAbsent(cap.ns(), null);
      }
    }
    for (String ns : sniffed.keySet()) sniffed.put(ns, tool.sniff(ns, HEX.formatHex(mark)));
    for (var s : sniffed.values()) s.awaitReady();
    var sends = new ArrayList<CompletableFuture<Void>>();
    for (var e : bySender.entrySet()) sends.add(tool.send(e.getKey(), e.getValue()));
    CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();

    waitForPasses(cases, observations, nonces, sniffed);
    var frames = new LinkedHashMap<String, List<String>>();
    for (var s : sniffed.entrySet()) frames.put(s.getKey(), s.getValue().stop());

    var rows = new ArrayList<Row>();
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      rows.add(switch (observations.get(i)) {
        case Observation.Capture cap -> captured(t.host(), c, nonces.get(i), frames.get(cap.ns()));
        case Observation.Counter counter -> byCounter(tool, t, c, counter, nonces.get(i));
      });
    }
    return rows;
  }

  /** Waits until every frame that must pass has arrived (or long enough that it will not), then a little longer for leaks. */
  private static void waitForPasses(List<Case> cases, List<Observation> observations, List<String> nonces,
      Map<String, PacketTool.Sniffer> sniffers) {
    long deadline = System.nanoTime() + PASS_WAIT_MS * 1_000_000;
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (int i = 0; i < cases.size() && all; i++) {
        if (cases.get(i).expect() == Case.Expect.PASS && observations.get(i) instanceof Observation.Capture cap) {
          String nonce = nonces.get(i);
          all = sniffers.get(cap.ns()).frames().stream().anyMatch(f -> f.contains(nonce));
        }
      }
      if (all) break;
      sleep(20);
    }
    sleep(LEAK_GRACE_MS);
  }

  private static Row captured(String host, Case c, String nonce, List<String> frames) {
    var hits = frames.stream().filter(f -> f.contains(nonce)).toList();
    if (hits.isEmpty()) return new Row(host, c, Row.Seen.BLOCKED, Optional.empty());
    if (c.natTo().isEmpty()) return new Row(host, c, Row.Seen.PASSED, Optional.empty());
    var sources = hits.stream().map(Lab::ipv4Source).distinct().toList();
    String want = AddressPlan.text(c.natTo().get());
    if (sources.equals(List.of(want))) return new Row(host, c, Row.Seen.PASSED, Optional.of("source " + want));
    return new Row(host, c, Row.Seen.PASSED_UNNATED, Optional.of("arrived from " + String.join(", ", sources) + ", not " + want));
  }

  /** The IPv4 source of a captured frame (hex), behind an 802.1Q tag if there is one. */
  static String ipv4Source(String frameHex) {
    byte[] f = HEX.parseHex(frameHex);
    int at = 12;
    while (at + 2 <= f.length && (((f[at] & 0xff) << 8) | (f[at + 1] & 0xff)) == 0x8100) at += 4;
    int type = ((f[at] & 0xff) << 8) | (f[at + 1] & 0xff);
    if (type != 0x0800 || f.length < at + 2 + 20) return "(not IPv4)";
    byte[] src = java.util.Arrays.copyOfRange(f, at + 2 + 12, at + 2 + 16);
    return new inet.ipaddr.ipv4.IPv4Address(src).toCanonicalString();
  }

  /** Sends one frame alone and reads the drop counter before and after. */
  private static Row byCounter(PacketTool tool, Topology t, Case c, Observation.Counter counter, String nonce) {
    Netns host = Netns.existing(t.hostNs());
    byte[] frame = Frames.encode(c.packet(), HEX.parseHex(nonce));
    Optional<Long> before = counter(host, counter);
    try {
      tool.send(t.nsBehind(c.ingress()), List.of(Frames.hex(frame))).join();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    long deadline = System.nanoTime() + PASS_WAIT_MS * 1_000_000;
    Optional<Long> after = counter(host, counter);
    while (before.isPresent() && after.isPresent() && after.get().equals(before.get()) && System.nanoTime() < deadline) {
      sleep(20);
      after = counter(host, counter);
    }
    if (before.isEmpty() || after.isEmpty()) {
      return new Row(t.host(), c, Row.Seen.PASSED, Optional.of("by " + counter + ": no such counter, nothing dropped it"));
    }
    long delta = after.get() - before.get();
    return new Row(t.host(), c, delta > 0 ? Row.Seen.BLOCKED : Row.Seen.PASSED, Optional.of("by " + counter + " +" + delta));
  }

  private static Optional<Long> counter(Netns host, Observation.Counter c) {
    var r = host.exec("nft", "-j", "list", "counter", c.family().nft(), Nft.TABLE, c.name().id());
    if (!r.ok()) return Optional.empty();
    try {
      for (var item : new ObjectMapper().readTree(r.stdout()).path("nftables")) {
        var counter = item.path("counter");
        if (counter.isObject()) return Optional.of(counter.path("packets").asLong());
      }
    } catch (IOException e) {
      throw new IllegalStateException("nft -j printed no JSON: " + e.getMessage(), e);
    }
    return Optional.empty();
  }

  // ---- the matrix -------------------------------------------------------------------

  // ---- processes --------------------------------------------------------------------

  private static void ip(Netns ns, String... args) {
    var cmd = new ArrayList<String>(List.of("ip", "-n", ns.name()));
    cmd.addAll(List.of(args));
    Exec.run(cmd).orThrow();
  }

  private static void exec(Netns ns, String... args) {
    ns.exec(args).orThrow();
  }

  private static void addAddress(Netns ns, String dev, String address) {
    if (address.contains(":")) {
      ip(ns, "addr", "add", address, "dev", dev, "nodad");
    } else {
      ip(ns, "addr", "add", address, "dev", dev);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
