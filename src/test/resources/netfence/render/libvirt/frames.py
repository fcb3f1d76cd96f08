#!/usr/bin/env python3
"""Tagged test frames over AF_PACKET, stdlib only (after /tmp/research/other/spooftest).

  frames.py send IFACE      stdin: one frame a line, "TAG KIND SRCMAC SRC"
                            KIND: ip4 (ICMP echo), ip6 (ICMPv6 echo), ra (ICMPv6 RA), arp (request)
  frames.py recv IFACE SECONDS ENDTAG
                            prints "ready", then every tag seen, one a line; stops at ENDTAG or SECONDS
Every frame is broadcast, so the bridge floods it to every port, and carries "NFLV-TAG." in its
payload (for ARP in the Ethernet padding)."""
import re, socket, struct, sys, time

def csum(data):
    if len(data) % 2: data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def ip4(src, dst, proto, payload):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 0, 0, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload

def icmp6(src, dst, typ, body):
    s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    m = struct.pack('!BBH', typ, 0, 0) + body
    m = m[:2] + struct.pack('!H', csum(s + d + struct.pack('!IxxxB', len(m), 58) + m)) + m[4:]
    return struct.pack('!IHBB', 6 << 28, len(m), 58, 255) + s + d + m

def frame(tag, kind, srcmac, src):
    mark = ('NFLV-%s.' % tag).encode()
    mac = bytes.fromhex(srcmac.replace(':', ''))
    if kind == 'ip4':
        echo = struct.pack('!BBHHH', 8, 0, 0, 1, 1) + mark
        echo = echo[:2] + struct.pack('!H', csum(echo)) + echo[4:]
        etype, payload = 0x0800, ip4(src, '255.255.255.255', 1, echo)
    elif kind == 'ip6':
        etype, payload = 0x86dd, icmp6(src, 'ff02::1', 128, b'\0\1\0\1' + mark)
    elif kind == 'ra':
        etype, payload = 0x86dd, icmp6(src, 'ff02::1', 134, struct.pack('!BBHII', 64, 0, 1800, 0, 0) + mark)
    elif kind == 'arp':
        etype = 0x0806
        payload = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, mac, socket.inet_aton(src),
                              b'\0' * 6, socket.inet_aton(src)) + mark
    else:
        raise SystemExit('unknown kind ' + kind)
    f = b'\xff' * 6 + mac + struct.pack('!H', etype) + payload
    return f + b'\0' * max(0, 60 - len(f))

if sys.argv[1] == 'send':
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((sys.argv[2], 0))
    for line in sys.stdin:
        if line.strip():
            s.send(frame(*line.split()))
elif sys.argv[1] == 'recv':
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((sys.argv[2], 0))
    s.settimeout(0.2)
    end, endtag = time.time() + float(sys.argv[3]), sys.argv[4]
    print('ready', flush=True)
    while time.time() < end:
        try:
            f = s.recv(65535)
        except socket.timeout:
            continue
        m = re.search(rb'NFLV-([A-Za-z0-9]+)\.', f)
        if m:
            print(m.group(1).decode(), flush=True)
            if m.group(1).decode() == endtag:
                break
