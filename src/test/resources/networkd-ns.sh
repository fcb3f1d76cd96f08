#!/bin/sh
# networkd-ns.sh - run a private systemd-networkd (systemd 252, Debian 12) inside
# a network namespace, with its own .network directory, and wait until it has
# configured the links.
#
# netfence: used by NetworkdKernelTest; the recipe and its pitfalls are in the research notes.
#
# usage:
#   networkd-ns.sh start  NS DIR [TIMEOUT_SECONDS]   (default timeout 20)
#   networkd-ns.sh wait   NS [TIMEOUT_SECONDS]        (wait again, e.g. after carrier appeared)
#   networkd-ns.sh status NS                          (per-link networkd state + ip -j output)
#   networkd-ns.sh stop   NS
#
# env:
#   NETWORKD_WAIT_IFACES  space separated interface names to wait for (default: every
#                         non-loopback link of NS). Use it on the hypervisor side: a tap
#                         whose VM is not running has no carrier and stays "configuring".
#   NETWORKD_RUNDIR       where pid/log files go (default /run/netfence-networkd)
#   NETWORKD_LOG_LEVEL    systemd log level (default info; debug is very verbose)
#   NETWORKD_BIN          default /lib/systemd/systemd-networkd
#
# DIR must be an absolute path readable by user systemd-network (networkd reads its
# configuration AFTER dropping privileges). If DIR/networkd.conf exists it is bind
# mounted on /etc/systemd/networkd.conf (e.g. for ManageForeignRoutes=no).
#
# exit codes: 0 configured, 1 usage/precondition error, 2 networkd died,
#             3 a link reached ADMIN_STATE=failed, 4 timeout
set -u

RUNDIR=${NETWORKD_RUNDIR:-/run/netfence-networkd}
BIN=${NETWORKD_BIN:-/lib/systemd/systemd-networkd}
LOGLEVEL=${NETWORKD_LOG_LEVEL:-info}

die() { echo "networkd-ns: $*" >&2; exit 1; }

pid_of() {   # prints pid if the networkd for NS is alive
    pf="$RUNDIR/$1.pid"
    [ -r "$pf" ] || return 1
    p=$(cat "$pf")
    [ -n "$p" ] && [ -d "/proc/$p" ] || return 1
    [ "$(cat /proc/$p/comm 2>/dev/null)" = "systemd-network" ] || return 1
    echo "$p"
}

# ADMIN_STATE of one link, read from networkd's private /run via /proc/PID/root
# (networkctl cannot be used: it needs D-Bus, which does not exist here).
link_state() {  # PID IFINDEX
    f="/proc/$1/root/run/systemd/netif/links/$2"
    [ -r "$f" ] || { echo missing; return; }
    s=$(sed -n 's/^ADMIN_STATE=//p' "$f")
    echo "${s:-missing}"
}

wait_configured() {  # NS TIMEOUT
    ns=$1; timeout=$2
    now_ds() { awk '{printf "%d", $1*10}' /proc/uptime; }   # deciseconds
    end=$(( $(now_ds) + timeout * 10 ))
    while :; do
        p=$(pid_of "$ns") || { echo "networkd-ns: networkd in $ns died, log:" >&2; tail -20 "$RUNDIR/$ns.log" >&2; return 2; }
        # list "ifindex ifname" of links to check
        links=$(ip -n "$ns" -o link show | awk -F': ' '{split($2,a,"@"); print $1" "a[1]}' | grep -v ' lo$')
        if [ -n "${NETWORKD_WAIT_IFACES:-}" ]; then
            sel=""
            for i in $NETWORKD_WAIT_IFACES; do
                l=$(echo "$links" | awk -v n="$i" '$2==n')
                [ -n "$l" ] || l="0 $i"      # not there (yet)
                sel="$sel$l
"
            done
            links=$sel
        fi
        pending=""; failed=""
        while read -r idx name; do
            [ -n "${idx:-}" ] || continue
            if [ "$idx" = 0 ]; then st=absent; else st=$(link_state "$p" "$idx"); fi
            case "$st" in
                configured|unmanaged|linger) ;;
                failed) failed="$failed $name" ;;
                *) pending="$pending $name($st)" ;;
            esac
        done <<EOF
$links
EOF
        if [ -n "$failed" ]; then
            echo "networkd-ns: $ns: link(s) failed:$failed; log tail:" >&2
            grep -E 'Could not|Failed|failed|rror' "$RUNDIR/$ns.log" | tail -10 >&2
            return 3
        fi
        [ -z "$pending" ] && return 0
        if [ "$(now_ds)" -ge "$end" ]; then
            echo "networkd-ns: $ns: timeout after ${timeout}s, still pending:$pending" >&2
            return 4
        fi
        sleep 0.1
    done
}

cmd=${1:-}; ns=${2:-}
[ -n "$cmd" ] && [ -n "$ns" ] || die "usage: $0 start NS DIR [TIMEOUT] | wait NS [TIMEOUT] | status NS | stop NS"
[ "$(id -u)" = 0 ] || die "must run as root"
[ -e "/run/netns/$ns" ] || die "network namespace $ns does not exist"

case "$cmd" in
start)
    dir=${3:-}; timeout=${4:-20}
    case "$dir" in /*) ;; *) die "DIR must be an absolute path" ;; esac
    [ -d "$dir" ] || die "DIR $dir is not a directory"
    [ -x "$BIN" ] || die "$BIN not found"
    getent passwd systemd-network >/dev/null || die "user systemd-network missing (networkd 252 refuses to start without it)"
    # networkd parses config as systemd-network (no CAP_DAC_OVERRIDE): check readability
    for f in "$dir"/*.network "$dir"/*.netdev; do
        [ -e "$f" ] || continue
        setpriv --reuid=systemd-network --regid=systemd-network --clear-groups test -r "$f" \
            || die "$f is not readable by user systemd-network (networkd would only log "Permission denied" and leave the link unmanaged)"
    done
    if p=$(pid_of "$ns"); then die "networkd already running in $ns (pid $p)"; fi
    mkdir -p "$RUNDIR"
    # networkd leaves lo unmanaged (down) when no .network matches it
    ip -n "$ns" link set lo up
    conf=""
    [ -f "$dir/networkd.conf" ] && conf="mount --bind '$dir/networkd.conf' /etc/systemd/networkd.conf &&"
    # ip netns exec: setns + private mount ns + fresh /sys, then exec (no fork), so $!
    # ends up being the networkd pid. Inside:
    #  - tmpfs on /run/systemd: private netif state, no clash with a host networkd
    #  - DIR on /etc/systemd/network; empty tmpfs over the vendor dirs so that
    #    /usr/lib/systemd/network/80-container-ve.network, 80-vm-vt.network, ... can not
    #    match our links (ve-*, vt-*, vz-*, vb-*, host0)
    #  - /sys read-only: networkd then treats udev as absent and does not wait for
    #    udev to "initialize" links (which would never happen in a netns)
    #  - SYSTEMD_LOG_TARGET=console: otherwise logs go to journal/kmsg of the host
    setsid ip netns exec "$ns" unshare -m --propagation private sh -c "
        set -e
        mount -t tmpfs -o mode=0755 tmpfs /run/systemd
        mount --bind '$dir' /etc/systemd/network
        for d in /usr/lib/systemd/network /usr/local/lib/systemd/network; do
            [ -d \$d ] && mount -t tmpfs -o ro,mode=0755 tmpfs \$d
        done
        $conf
        mount -o remount,bind,ro /sys
        exec env SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=$LOGLEVEL SYSTEMD_LOG_COLOR=0 '$BIN'
    " </dev/null >"$RUNDIR/$ns.log" 2>&1 &
    echo $! >"$RUNDIR/$ns.pid"
    # give the exec chain a moment to reach networkd
    i=0; while [ $i -lt 50 ]; do pid_of "$ns" >/dev/null && break; sleep 0.05; i=$((i+1)); done
    wait_configured "$ns" "$timeout"; rc=$?
    [ $rc = 0 ] && echo "networkd-ns: $ns configured (pid $(cat "$RUNDIR/$ns.pid"))"
    exit $rc
    ;;
wait)
    wait_configured "$ns" "${3:-20}"; exit $?
    ;;
status)
    p=$(pid_of "$ns") || die "networkd not running in $ns"
    for f in /proc/$p/root/run/systemd/netif/links/*; do
        [ -e "$f" ] || continue
        echo "ifindex $(basename "$f"): $(grep -E '^(ADMIN_STATE|OPER_STATE|NETWORK_FILE)=' "$f" | tr '\n' ' ')"
    done
    ip -n "$ns" -j addr; echo; ip -n "$ns" -j route; echo; ip -n "$ns" -j -6 route; echo
    ;;
stop)
    if p=$(pid_of "$ns"); then
        kill -TERM "$p"
        i=0; while [ -d "/proc/$p" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
        [ -d "/proc/$p" ] && { kill -KILL "$p"; echo "networkd-ns: had to SIGKILL $p" >&2; }
    fi
    rm -f "$RUNDIR/$ns.pid"
    # addresses/routes stay configured after networkd exits (by design)
    ;;
*) die "unknown command $cmd" ;;
esac
