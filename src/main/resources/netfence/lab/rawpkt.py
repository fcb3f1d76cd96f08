#!/usr/bin/python3
"""rawpkt.py - raw Ethernet frames for `netfence lab` (Linux AF_PACKET, stdlib only).

  rawpkt.py send IFACE          read hex frames from stdin, one per line, and
                                send each one unchanged; prints "sent N" on stderr.
  rawpkt.py sniff IFACE MARK    print, as hex, one per line, every frame received
                                on IFACE whose bytes contain the hex string MARK,
                                until stdin is closed; then drain what is queued
                                and exit. Prints READY on stderr once bound.
                                Frames this namespace sends itself are skipped.

Run inside a namespace: `ip netns exec NS python3 rawpkt.py ...`.
VLAN offload: the kernel strips 802.1Q tags into metadata before AF_PACKET sees
the frame; sniff puts the tag back from PACKET_AUXDATA, so the printed frame is
what was on the wire.
"""
import os
import select
import socket
import struct
import sys

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 1 << 4
TP_STATUS_VLAN_TPID_VALID = 1 << 6
# struct tpacket_auxdata: u32 status, len, snaplen; u16 mac, net, vlan_tci, vlan_tpid
AUX_FMT = "=IIIHHHH"
# A sniffer whose parent died without closing stdin still ends.
MAX_SECONDS = 120


def usage():
    sys.stderr.write(__doc__)
    return 2


def do_send(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)  # protocol 0: transmit only
    s.bind((iface, 0))
    n = 0
    rc = 0
    for lineno, line in enumerate(sys.stdin, 1):
        line = line.strip()
        if not line:
            continue
        try:
            frame = bytes.fromhex(line)
            s.send(frame)
            n += 1
        except (ValueError, OSError) as e:
            sys.stderr.write("line %d: %s\n" % (lineno, e))
            rc = 1
    s.close()
    sys.stderr.write("sent %d\n" % n)
    return rc


def with_vlan_tag(data, anc, auxlen):
    for level, typ, cdata in anc:
        if level == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= auxlen:
            status, _l, _sl, _m, _n, tci, tpid = struct.unpack(AUX_FMT, cdata[:auxlen])
            if status & TP_STATUS_VLAN_VALID:
                if not (status & TP_STATUS_VLAN_TPID_VALID) or not tpid:
                    tpid = 0x8100
                return data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
    return data


def do_sniff(iface, mark):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((iface, ETH_P_ALL))
    s.setblocking(False)
    sys.stderr.write("READY\n")
    sys.stderr.flush()
    auxlen = struct.calcsize(AUX_FMT)
    stdin = sys.stdin.fileno()
    out = sys.stdout
    open_ = True
    while True:
        r, _, _ = select.select([s, stdin] if open_ else [s], [], [], MAX_SECONDS if open_ else 0)
        if not r:
            break  # stdin closed and nothing queued any more, or the safety limit
        if stdin in r and open_:
            if not os.read(stdin, 4096):
                open_ = False
        if s in r:
            while True:
                try:
                    data, anc, _flags, addr = s.recvmsg(65535, socket.CMSG_SPACE(auxlen))
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                data = with_vlan_tag(data, anc, auxlen)
                if mark in data:
                    out.write(data.hex() + "\n")
            out.flush()
    s.close()
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "send":
        return do_send(argv[2])
    if len(argv) == 4 and argv[1] == "sniff":
        try:
            mark = bytes.fromhex(argv[3])
        except ValueError:
            return usage()
        return do_sniff(argv[2], mark)
    return usage()


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as e:
        sys.stderr.write("rawpkt: %s\n" % e)
        sys.exit(1)
