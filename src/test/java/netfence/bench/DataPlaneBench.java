package netfence.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import netfence.dataplane.Exec;
import netfence.dataplane.Netns;
import netfence.dataplane.NftSession;
import netfence.inventory.InventoryReader;
import netfence.model.AddressPlan;
import netfence.policy.HostPolicy;
import netfence.policy.Port;
import netfence.render.nft.NftPolicy;
import netfence.nft.NftCommand;
import netfence.nft.NftScript;
import netfence.verify.Frames;
import netfence.verify.Packet;

/**
 * Packets per second of small UDP frames from the last-added VM, on the
 * bridged path (veth → bridge → veth) and the routed path (veth → routing →
 * veth), with no filter, with netfence's policy and with one rule per VM,
 * all measured in the same run on the same topology.
 */
final class DataPlaneBench {
  enum Path {
    BRIDGED, ROUTED
  }

  enum Mode {
    NONE("no filter"), NETFENCE("netfence"), RULE_PER_VM("one rule per VM");

    final String label;

    Mode(String label) {
      this.label = label;
    }
  }

  /** One measurement: the median of {@code runs} packet rates. */
  record Result(Path path, int vms, Mode mode, double pps, double[] runs) {}

  private static final String SINK_MAC = "02:6e:fe:00:00:02";
  private static final String HOST_TAP_MAC = "02:6e:fe:00:00:01";

  private final java.nio.file.Path blast;
  private final double seconds;
  private final int repeats;

  DataPlaneBench(java.nio.file.Path blast, double seconds, int repeats) {
    this.blast = blast;
    this.seconds = seconds;
    this.repeats = repeats;
  }

  List<Result> run(Path path, int[] counts, java.io.PrintStream log) {
    var results = new ArrayList<Result>();
    for (int n : counts) {
      String yaml = path == Path.BRIDGED ? BenchInventory.bridged(n) : BenchInventory.routed(n);
      var inv = InventoryReader.parse("bench.yaml", yaml).inventory().orElseThrow();
      var policy = HostPolicy.of(inv, "hv1");
      Port last = policy.ports().getLast();
      try (var host = Netns.create("nfb-host"); var src = Netns.create("nfb-src"); var sink = Netns.create("nfb-sink")) {
        topology(path, host, src, sink, last);
        byte[] frame = frame(path, last);
        try (NftSession nft = NftSession.open(host, log::println)) {
          measure(src, sink, frame); // warm-up: caches, neighbour and fdb state, CPU clocks
          // Rounds interleave the modes (A B C, A B C, ...) so drift and other load on the
          // machine hit all three alike; each mode's median over the rounds is kept.
          var rules = new java.util.EnumMap<Mode, String>(Mode.class);
          rules.put(Mode.NONE, "");
          rules.put(Mode.NETFENCE, NftScript.file(NftCommand.replace(NftPolicy.tables(policy))));
          rules.put(Mode.RULE_PER_VM, rulePerVm(path, policy));
          var runs = new java.util.EnumMap<Mode, double[]>(Mode.class);
          for (Mode m : Mode.values()) runs.put(m, new double[repeats]);
          for (int r = 0; r < repeats; r++) {
            for (Mode mode : Mode.values()) {
              nft.run(reset()).orThrow();
              if (!rules.get(mode).isEmpty()) nft.run(rules.get(mode)).orThrow();
              runs.get(mode)[r] = measure(src, sink, frame);
            }
          }
          for (Mode mode : Mode.values()) {
            double[] sorted = runs.get(mode).clone();
            Arrays.sort(sorted);
            var res = new Result(path, n, mode, sorted[repeats / 2], runs.get(mode));
            log.printf("  %-7s %6d VMs  %-16s %,12.0f pps  (runs %s)%n", path, n, mode.label, res.pps(), Arrays.toString(
                Arrays.stream(runs.get(mode)).mapToLong(Math::round).toArray()));
            results.add(res);
          }
          nft.run(reset()).orThrow();
        }
      }
    }
    return results;
  }

  private static String reset() {
    return """
        table bridge netfence {}
        delete table bridge netfence
        table inet netfence {}
        delete table inet netfence
        table bridge nfbase {}
        delete table bridge nfbase
        table inet nfbase {}
        delete table inet nfbase
        """;
  }

  private void topology(Path path, Netns host, Netns src, Netns sink, Port last) {
    String tap = last.tap();
    sh(host, "ip link add " + tap + " type veth peer name eth0 netns nfb-src");
    sh(host, "ip link add sink0 type veth peer name eth0 netns nfb-sink");
    sh(src, "ip link set eth0 address " + last.macText() + " up");
    sh(sink, "ip link set eth0 address " + SINK_MAC + " up");
    if (path == Path.BRIDGED) {
      sh(host, "ip link add br0 type bridge");
      sh(host, "ip link set " + tap + " master br0 up");
      sh(host, "ip link set sink0 master br0 up");
      sh(host, "ip link set br0 up");
      sh(host, "bridge fdb replace " + SINK_MAC + " dev sink0 master static");
    } else {
      sh(host, "ip link set " + tap + " address " + HOST_TAP_MAC + " up");
      sh(host, "ip link set sink0 up");
      sh(host, "ip addr add 192.0.2.1/24 dev sink0");
      sh(host, "ip route add " + last.addresses().getFirst() + "/32 dev " + tap);
      sh(host, "ip neigh add 192.0.2.2 lladdr " + SINK_MAC + " dev sink0 nud permanent");
      sh(host, "sysctl -qw net.ipv4.ip_forward=1");
      sh(sink, "ip addr add 192.0.2.2/24 dev eth0");
    }
  }

  private static byte[] frame(Path path, Port last) {
    var src = last.addresses().stream().filter(a -> a.isIPv4()).findFirst().orElseThrow();
    String dstMac = path == Path.BRIDGED ? SINK_MAC : HOST_TAP_MAC;
    var dst = path == Path.BRIDGED ? Packet.udp(last.macText(), dstMac, src, AddressPlan.nth(src.toPrefixBlock(8), 2).orElseThrow(), 40000, 9)
        : Packet.udp(last.macText(), dstMac, src, new inet.ipaddr.IPAddressString("192.0.2.2").getAddress(), 40000, 9);
    return Frames.encode(dst, new byte[] {0x6e, 0x66, 0x62, 0x65, 0x6e, 0x63, 0x68, 0x21});
  }

  /** The baseline the uncloud post, libvirt's ebtables chains and per-NIC chains scale like: a linear rule per VM. */
  static String rulePerVm(Path path, HostPolicy policy) {
    var b = new StringBuilder();
    if (path == Path.BRIDGED) {
      b.append("table bridge nfbase {\n\tchain prerouting {\n\t\ttype filter hook prerouting priority -200; policy accept;\n")
          .append("\t\tiifname \"sink0\" accept\n");
      for (Port p : policy.ports()) {
        for (var a : p.iface().ipv4Addresses()) {
          b.append("\t\tiifname \"").append(p.tap()).append("\" ether saddr ").append(p.macText()).append(" ip saddr ").append(AddressPlan.text(a)).append(" accept\n");
        }
      }
    } else {
      b.append("table inet nfbase {\n\tchain prerouting {\n\t\ttype filter hook prerouting priority -300; policy accept;\n")
          .append("\t\tiifname \"sink0\" accept\n");
      for (Port p : policy.ports()) {
        for (var a : p.iface().ipv4Addresses()) {
          b.append("\t\tiifname \"").append(p.tap()).append("\" ip saddr ").append(AddressPlan.text(a)).append(" accept\n");
        }
      }
    }
    b.append("\t\tdrop\n\t}\n}\n");
    return b.toString();
  }

  private double measure(Netns src, Netns sink, byte[] frame) {
    long before = rx(sink);
    long t0 = System.nanoTime();
    var r = src.exec(List.of(blast.toString(), "eth0", String.valueOf(seconds), Frames.hex(frame)), null).orThrow();
    double elapsed = (System.nanoTime() - t0) / 1e9;
    long after = rx(sink);
    // Packets still queued when blast returns arrive within the elapsed window's tail.
    return (after - before) / Math.max(seconds, Math.min(elapsed, seconds + 0.5));
  }

  private static long rx(Netns ns) {
    return Long.parseLong(ns.exec("cat", "/sys/class/net/eth0/statistics/rx_packets").orThrow().stdout().strip());
  }

  private static void sh(Netns ns, String command) {
    ns.exec(List.of(command.split(" ")), null).orThrow();
  }

}
