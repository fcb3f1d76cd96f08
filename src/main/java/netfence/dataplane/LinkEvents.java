package netfence.dataplane;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The link events of one namespace (rtnetlink group {@code RTNLGRP_LINK}),
 * read from a netlink socket without polling: a link appearing, changing
 * (up/down, attached to a bridge) or disappearing. On open it asks the
 * kernel for every existing link once ({@link #existing}), so bridge masters
 * can be named (the kernel gives them by index) and nothing is missed
 * between looking and listening.
 *
 * <pre>{@code
 * try (var events = LinkEvents.open(Netns.current())) {
 *   for (var e : events.next(Duration.ofSeconds(1))) System.out.println(e);
 * }
 * }</pre>
 */
public final class LinkEvents implements AutoCloseable {
  /**
   * One link as an event reports it. {@code deleted} for RTM_DELLINK;
   * {@code master} is the bridge it is attached to, by name where known.
   * An {@code overrun} event means the kernel dropped events: re-read everything.
   */
  public record Link(int index, String name, boolean up, Optional<String> master, boolean deleted, boolean overrun) {
    static final Link OVERRUN = new Link(-1, "", false, Optional.empty(), false, true);
  }

  private static final int RTNLGRP_LINK = 1;
  private static final int NLMSG_DONE = 3;
  private static final int RTM_NEWLINK = 16;
  private static final int RTM_DELLINK = 17;
  private static final int RTM_GETLINK = 18;
  private static final int NLM_F_REQUEST = 1;
  private static final int NLM_F_DUMP = 0x300;
  private static final int IFLA_IFNAME = 3;
  private static final int IFLA_MASTER = 10;
  private static final int IFF_UP = 1;

  private final NetlinkSocket socket;
  /** ifindex to name, from every event seen (the dump fills it first): how masters get their names. */
  private final Map<Integer, String> names = new HashMap<>();

  /** The links that existed at open (the dump), with any events that raced it. */
  private final List<Link> existing = new ArrayList<>();
  private boolean done;

  private LinkEvents(NetlinkSocket socket) {
    this.socket = socket;
  }

  /** The links the namespace had when it was opened: the answer to the dump, in kernel order. */
  public List<Link> existing() {
    return List.copyOf(existing);
  }

  /** Subscribes to the link events of {@code ns} and requests the existing links. */
  public static LinkEvents open(Netns ns) {
    var s = NetlinkSocket.open(ns, NetlinkSocket.NETLINK_ROUTE, RTNLGRP_LINK, "rtnetlink");
    // nlmsghdr (16) + rtgenmsg padded to ifinfomsg (16): a dump of all links, any family.
    ByteBuffer req = ByteBuffer.allocate(32).order(ByteOrder.nativeOrder());
    req.putInt(32).putShort((short) RTM_GETLINK).putShort((short) (NLM_F_REQUEST | NLM_F_DUMP)).putInt(1).putInt(0);
    s.send(req.array());
    var events = new LinkEvents(s);
    long end = System.nanoTime() + 10_000_000_000L;
    while (!events.done && System.nanoTime() < end) {
      var d = s.receive(Duration.ofSeconds(1));
      if (d.isPresent() && d.get() != NetlinkSocket.OVERRUN) events.existing.addAll(events.parse(d.get()));
    }
    if (!events.done) {
      s.close();
      throw new IllegalStateException("the kernel did not answer the link dump");
    }
    return events;
  }

  /** The link messages of the next datagram, waiting at most {@code timeout}; empty on timeout. */
  public List<Link> next(Duration timeout) {
    Optional<byte[]> d = socket.receive(timeout);
    if (d.isEmpty()) return List.of();
    if (d.get() == NetlinkSocket.OVERRUN) return List.of(Link.OVERRUN);
    return parse(d.get());
  }

  /** The RTM_NEWLINK/RTM_DELLINK messages of one datagram; other messages (NLMSG_DONE, errors) are skipped. */
  List<Link> parse(byte[] datagram) {
    var out = new ArrayList<Link>();
    ByteBuffer b = ByteBuffer.wrap(datagram).order(ByteOrder.nativeOrder());
    int at = 0;
    while (at + 16 <= datagram.length) {
      int len = b.getInt(at);
      int type = b.getShort(at + 4) & 0xffff;
      if (len < 16 || at + len > datagram.length) break;
      if (type == NLMSG_DONE) done = true;
      if ((type == RTM_NEWLINK || type == RTM_DELLINK) && len >= 32) {
        int index = b.getInt(at + 16 + 4); // ifinfomsg: family, pad, type (u16), index, flags, change
        int flags = b.getInt(at + 16 + 8);
        String name = "";
        int master = 0;
        int a = at + 32;
        while (a + 4 <= at + len) {
          int alen = b.getShort(a) & 0xffff;
          int atype = b.getShort(a + 2) & 0x3fff;
          if (alen < 4 || a + alen > at + len) break;
          if (atype == IFLA_IFNAME) name = new String(datagram, a + 4, Math.max(0, cstrlen(datagram, a + 4, alen - 4)), StandardCharsets.UTF_8);
          else if (atype == IFLA_MASTER && alen >= 8) master = b.getInt(a + 4);
          a += (alen + 3) & ~3;
        }
        if (type == RTM_DELLINK) names.remove(index);
        else names.put(index, name);
        int m = master;
        Optional<String> masterName = m == 0 ? Optional.empty() : Optional.of(names.getOrDefault(m, "#" + m));
        out.add(new Link(index, name, (flags & IFF_UP) != 0, masterName, type == RTM_DELLINK, false));
      }
      at += (len + 3) & ~3;
    }
    return out;
  }

  private static int cstrlen(byte[] d, int from, int max) {
    int n = 0;
    while (n < max && d[from + n] != 0) n++;
    return n;
  }

  @Override
  public void close() {
    socket.close();
  }
}
