#!/usr/bin/python3
"""Writes the packet fixtures of tests/vectors/xdp (run with Debian's /usr/bin/python3: needs python3-scapy).

    /usr/bin/python3 tests/bpf/make_xdp_fixtures.py tests/vectors/xdp

Packets are built with scapy, independently of the BPF programs, and expected outputs (GUE frames)
are built here too, with a Python MurmurHash3 of the flow tuple: a change in a fixture file means
the generator changed, never that a program's output was copied in.
"""
import ipaddress
import struct
import sys

from scapy.all import ARP, IP, IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, TCP, UDP, ICMP, Dot1Q, Ether, Raw, IPOption_RR, raw

GW_MAC = "02:00:00:00:00:01"
ROUTER_MAC = "02:00:00:00:00:02"
NEXT_HOP_MAC = "02:00:00:00:00:03"
CLIENT4, CLIENT6 = "192.0.2.10", "fd00:1::10"
GW4, GW6 = "198.51.100.1", "fd00:2::1"
MESH4_IN, MESH4_OUT = "10.200.5.7", "10.201.0.1"
MESH6_IN, MESH6_OUT = "fd00:c8::7", "fd00:99::1"
TUNNEL_FIRST, TUNNEL_COUNT = 51820, 4
PAYLOAD = b"anymesh-fixture"


def eth(vlan=None):
    e = Ether(src=ROUTER_MAC, dst=GW_MAC)
    return e / Dot1Q(vlan=vlan) if vlan is not None else e


def hexline(frame):
    data = raw(frame) if not isinstance(frame, bytes) else frame
    return data.hex()


class Fixture:
    def __init__(self, program, title):
        self.lines = [f"# {title}", "# Written by tests/bpf/make_xdp_fixtures.py; format in tests/vectors/xdp/README.md.",
                      f"program {program}"]

    def setup(self, line):
        self.lines.append(line)

    def case(self, name, frame, verdict, counters, output=None):
        self.lines.append("")
        self.lines.append(f"case {name}")
        self.lines.append(f"packet {hexline(frame)}")
        self.lines.append(f"verdict {verdict}")
        if counters:
            self.lines.append("counters " + " ".join(counters))
        if output is not None:
            self.lines.append(f"output {hexline(output)}")
        self.lines.append("end")

    def write(self, path):
        with open(path, "w") as f:
            f.write("\n".join(self.lines) + "\n")


def outer_config(extra=""):
    return f"config role=outer tunnel_port_first={TUNNEL_FIRST} tunnel_port_count={TUNNEL_COUNT}{extra}"


def stage1(out):
    # Outer role: WireGuard lanes to AF_XDP, everything else to the kernel.
    f = Fixture("xdp_gateway", "xdp_gateway, role outer: tunnel UDP ports to xsks_map, the rest to the kernel")
    f.setup(outer_config())
    f.setup("xsk_socket 0")
    tun = UDP(sport=40000, dport=TUNNEL_FIRST) / Raw(PAYLOAD)
    f.case("v4_udp_first_tunnel_port", eth() / IP(src=CLIENT4, dst=GW4) / tun, "redirect", ["xsk_tunnel"])
    f.case("v4_udp_last_tunnel_port", eth() / IP(src=CLIENT4, dst=GW4) / UDP(sport=1, dport=TUNNEL_FIRST + TUNNEL_COUNT - 1),
           "redirect", ["xsk_tunnel"])
    f.case("v4_udp_past_tunnel_ports", eth() / IP(src=CLIENT4, dst=GW4) / UDP(sport=1, dport=TUNNEL_FIRST + TUNNEL_COUNT),
           "pass", ["pass_not_tunnel"])
    f.case("v4_udp_below_tunnel_ports", eth() / IP(src=CLIENT4, dst=GW4) / UDP(sport=1, dport=TUNNEL_FIRST - 1),
           "pass", ["pass_not_tunnel"])
    f.case("v6_udp_tunnel_port", eth() / IPv6(src=CLIENT6, dst=GW6) / tun, "redirect", ["xsk_tunnel"])
    f.case("vlan_v4_udp_tunnel_port", eth(vlan=100) / IP(src=CLIENT4, dst=GW4) / tun, "redirect", ["xsk_tunnel"])
    f.case("v4_options_udp_tunnel_port", eth() / IP(src=CLIENT4, dst=GW4, options=[IPOption_RR(routers=["0.0.0.0"])]) / tun,
           "redirect", ["xsk_tunnel"])
    f.case("v4_tcp_to_tunnel_port_number", eth() / IP(src=CLIENT4, dst=GW4) / TCP(sport=40000, dport=TUNNEL_FIRST),
           "pass", ["pass_not_tunnel"])
    f.case("v4_bgp", eth() / IP(src=CLIENT4, dst=GW4) / TCP(sport=40000, dport=179, flags="S"), "pass", ["pass_not_tunnel"])
    f.case("v4_icmp_echo", eth() / IP(src=CLIENT4, dst=GW4) / ICMP(), "pass", ["pass_not_tunnel"])
    f.case("v6_neighbour_solicitation", eth() / IPv6(src=CLIENT6, dst="ff02::1:ff00:1", nh=58) / Raw(b"\x87\x00\x00\x00" + b"\x00" * 20),
           "pass", ["pass_not_tunnel"])
    f.case("arp_request", eth() / ARP(psrc=CLIENT4, pdst=GW4), "pass", ["pass_not_ip"])
    f.case("qinq_tunnel_port", eth(vlan=100) / Dot1Q(vlan=200) / IP(src=CLIENT4, dst=GW4) / tun, "pass", ["pass_vlan_stacked"])
    f.case("v4_first_fragment_tunnel_port", eth() / IP(src=CLIENT4, dst=GW4, flags="MF") / tun, "pass", ["pass_fragment"])
    f.case("v4_later_fragment", eth() / IP(src=CLIENT4, dst=GW4, frag=100, proto=17) / Raw(PAYLOAD), "pass", ["pass_fragment"])
    f.case("v6_fragment_tunnel_port", eth() / IPv6(src=CLIENT6, dst=GW6) / IPv6ExtHdrFragment(m=1) / tun, "pass", ["pass_fragment"])
    f.case("v6_hop_by_hop_tunnel_port", eth() / IPv6(src=CLIENT6, dst=GW6) / IPv6ExtHdrHopByHop() / tun,
           "pass", ["pass_ipv6_extension"])
    f.case("v4_unknown_protocol", eth() / IP(src=CLIENT4, dst=GW4, proto=253) / Raw(PAYLOAD), "pass", ["pass_not_tunnel"])
    full = raw(eth() / IP(src=CLIENT4, dst=GW4) / tun)
    # BPF_PROG_TEST_RUN refuses frames under 14 bytes, and no driver delivers one: the shortest is a bare header.
    f.case("ethernet_header_only", full[:14], "pass", ["pass_malformed"])
    f.case("truncated_vlan_tag", raw(eth(vlan=100))[:16], "pass", ["pass_malformed"])
    f.case("truncated_ipv4", full[:14 + 12], "pass", ["pass_malformed"])
    f.case("truncated_udp", full[:14 + 20 + 6], "pass", ["pass_malformed"])
    f.case("truncated_ipv6", raw(eth() / IPv6(src=CLIENT6, dst=GW6) / tun)[:14 + 30], "pass", ["pass_malformed"])
    bad_ihl = bytearray(full)
    bad_ihl[14] = 0x44
    f.case("ipv4_header_length_4", bytes(bad_ihl), "pass", ["pass_malformed"])
    bad_version = bytearray(full)
    bad_version[14] = 0x65
    f.case("ipv4_ethertype_version_6", bytes(bad_version), "pass", ["pass_malformed"])
    f.case("ipv4_options_past_frame", raw(eth() / IP(src=CLIENT4, dst=GW4, ihl=15) / tun)[:14 + 40], "pass", ["pass_malformed"])
    f.write(f"{out}/outer_tunnel.txt")

    f = Fixture("xdp_gateway", "xdp_gateway, role outer, no AF_XDP socket on the queue: redirects fall back to the kernel")
    f.setup(outer_config())
    f.case("v4_udp_tunnel_port_without_socket", eth() / IP(src=CLIENT4, dst=GW4) / tun, "pass",
           ["xsk_tunnel", "note_xsk_no_socket"])
    f.case("v4_bgp_without_socket", eth() / IP(src=CLIENT4, dst=GW4) / TCP(dport=179), "pass", ["pass_not_tunnel"])
    f.write(f"{out}/outer_no_socket.txt")

    f = Fixture("xdp_gateway", "xdp_gateway before the agent configured it: role unset passes everything")
    f.setup("xsk_socket 0")
    f.case("unset_v4_udp_tunnel_port", eth() / IP(src=CLIENT4, dst=GW4) / tun, "pass", ["pass_unconfigured"])
    f.case("unset_mesh_destination", eth() / IP(src=CLIENT4, dst=MESH4_IN) / tun, "pass", ["pass_unconfigured"])
    f.case("unset_arp", eth() / ARP(psrc=CLIENT4, pdst=GW4), "pass", ["pass_unconfigured"])
    f.case("unset_truncated", full[:20], "pass", ["pass_unconfigured"])
    f.write(f"{out}/unconfigured.txt")

    f = Fixture("xdp_gateway", "xdp_gateway, role inner: destinations in the mesh prefixes to xsks_map")
    f.setup("config role=inner")
    f.setup("mesh_prefix 10.200.0.0/16")
    f.setup("mesh_prefix 203.0.113.128/25")
    f.setup("mesh_prefix fd00:c8::/32")
    f.setup("xsk_socket 0")
    f.case("v4_mesh_udp", eth() / IP(src="10.100.0.5", dst=MESH4_IN) / UDP(sport=5000, dport=53), "redirect", ["xsk_mesh"])
    f.case("v4_mesh_tcp", eth() / IP(src="10.100.0.5", dst=MESH4_IN) / TCP(dport=443), "redirect", ["xsk_mesh"])
    f.case("v4_mesh_icmp", eth() / IP(src="10.100.0.5", dst="203.0.113.200") / ICMP(), "redirect", ["xsk_mesh"])
    f.case("v4_mesh_fragment", eth() / IP(src="10.100.0.5", dst=MESH4_IN, frag=10, proto=17) / Raw(PAYLOAD), "redirect", ["xsk_mesh"])
    f.case("vlan_v4_mesh", eth(vlan=7) / IP(src="10.100.0.5", dst=MESH4_IN) / UDP(), "redirect", ["xsk_mesh"])
    f.case("v4_not_mesh", eth() / IP(src="10.100.0.5", dst=MESH4_OUT) / UDP(), "pass", ["pass_not_mesh"])
    f.case("v4_next_to_mesh_prefix", eth() / IP(src="10.100.0.5", dst="203.0.113.127") / UDP(), "pass", ["pass_not_mesh"])
    f.case("v4_to_gateway_itself", eth() / IP(src="10.100.0.5", dst="10.100.0.1") / TCP(dport=22), "pass", ["pass_not_mesh"])
    f.case("v6_mesh", eth() / IPv6(src="fd00:1::5", dst=MESH6_IN) / UDP(), "redirect", ["xsk_mesh"])
    f.case("v6_mesh_behind_extension", eth() / IPv6(src="fd00:1::5", dst=MESH6_IN) / IPv6ExtHdrHopByHop() / UDP(),
           "redirect", ["xsk_mesh"])
    f.case("v6_not_mesh", eth() / IPv6(src="fd00:1::5", dst=MESH6_OUT) / UDP(), "pass", ["pass_not_mesh"])
    f.case("arp", eth() / ARP(psrc="10.100.0.5", pdst="10.100.0.1"), "pass", ["pass_not_ip"])
    f.case("truncated_ipv4", raw(eth() / IP(src="10.100.0.5", dst=MESH4_IN) / UDP())[:14 + 19], "pass", ["pass_malformed"])
    # The inner role does not need the ports: a cut-short transport header is still the mesh's.
    f.case("v4_mesh_truncated_udp", raw(eth() / IP(src="10.100.0.5", dst=MESH4_IN) / UDP())[:14 + 20 + 4], "redirect", ["xsk_mesh"])
    f.write(f"{out}/inner_mesh.txt")


def murmur3_x86_32(data, seed):
    """MurmurHash3_x86_32 (Austin Appleby), for len(data) a multiple of 4."""
    c1, c2, mask = 0xcc9e2d51, 0x1b873593, 0xffffffff
    rotl = lambda x, r: ((x << r) | (x >> (32 - r))) & mask
    h = seed
    for (k,) in struct.iter_unpack("<I", data):
        k = rotl((k * c1) & mask, 15) * c2 & mask
        h = (rotl(h ^ k, 13) * 5 + 0xe6546b64) & mask
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85ebca6b) & mask
    h ^= h >> 13
    h = (h * 0xc2b2ae35) & mask
    return h ^ (h >> 16)


def flow_hash(src, dst, proto, sport, dport, source_ip_affinity=False):
    """am_flow_hash / am_decision_hash of bpf/include/flow_hash.h, from its written definition."""
    a, b = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    family = 4 if a.version == 4 else 6
    if source_ip_affinity:
        proto, sport, dport = 0, 0, 0
    tuple_bytes = a.packed.ljust(16, b"\0") + b.packed.ljust(16, b"\0") + struct.pack(">HH", sport, dport) + bytes([proto, family])
    return murmur3_x86_32(tuple_bytes + b"\0\0", 0x616e796d)


class Vip:
    def __init__(self, fixture, addr, proto, port, service, slots, flags, ports=None):
        self.addr, self.proto, self.service, self.slots = addr, proto, service, slots
        self.source_ip = "source_ip" in flags
        extra = f" ports={ports[0]}-{ports[1]}" if ports else ""
        fixture.setup(f"vip {addr} {proto} {port} service={service} table_size={len(slots)} flags={','.join(flags)}{extra}")


def gue_expected(frame, backend_addr, src, dst, proto, sport, dport, vlan=None):
    """The frame xdp_gateway sends: new L2, outer IP + UDP (GUE variant 1), the original IP packet."""
    inner = raw(frame)[18 if vlan is not None else 14:]
    version = inner[0] >> 4
    inner_len = struct.unpack(">H", inner[2:4])[0] if version == 4 else 40 + struct.unpack(">H", inner[4:6])[0]
    h = flow_hash(src, dst, proto, sport, dport)
    udp = UDP(sport=0xc000 | (h & 0x3fff), dport=6080, len=inner_len + 8, chksum=0)
    if ipaddress.ip_address(backend_addr).version == 4:
        outer = IP(src=GW4, dst=backend_addr, tos=inner[1] if version == 4 else 0, len=inner_len + 28, id=0,
                   flags="DF", ttl=64, proto=17) / udp
        ethertype = 0x0800
    else:
        outer = IPv6(src=GW6, dst=backend_addr, tc=0, fl=h & 0xfffff, plen=inner_len + 8, nh=17, hlim=64) / udp
        ethertype = 0x86DD
    if vlan is None:
        l2 = Ether(dst=NEXT_HOP_MAC, src=GW_MAC, type=ethertype)
    else:
        l2 = Ether(dst=NEXT_HOP_MAC, src=GW_MAC, type=0x8100) / Dot1Q(vlan=vlan, type=ethertype)
    return raw(l2) + raw(outer) + inner


BACKENDS = {1: "10.200.1.11", 2: "10.200.1.12", 3: "fd00:c8::13", 4: "10.200.9.14", 5: "10.200.1.15"}


def stage2(out):
    f = Fixture("xdp_gateway", "xdp_gateway, role outer: VIP classify, Maglev, flow pinning, GUE encapsulation (XDP_TX)")
    f.setup(outer_config(f" gateway_v4={GW4} gateway_v6={GW6} next_hop_mac={NEXT_HOP_MAC} mtu=1500"))
    f.setup("xsk_socket 0")
    f.setup(f"backend 1 {BACKENDS[1]} group=1 flags=healthy,local")
    f.setup(f"backend 2 {BACKENDS[2]} group=1 flags=healthy,local")
    f.setup(f"backend 3 {BACKENDS[3]} group=1 flags=healthy,local")
    f.setup(f"backend 4 {BACKENDS[4]} group=2 flags=healthy")
    f.setup(f"backend 5 {BACKENDS[5]} group=1 flags=local")
    tables = {1: [1, 2, 1, 2, 2, 1, 1], 2: [3, 3, 3, 3, 3], 3: [4, 4, 4], 5: [5, 5, 5], 6: [1, 2, 1, 2, 2, 1, 1]}
    for service, slots in tables.items():
        f.setup(f"maglev {service} " + " ".join(map(str, slots)))
    v_udp = Vip(f, "203.0.113.10", "udp", 53, 1, tables[1], ["local_only"])
    v_range = Vip(f, "203.0.113.10", "tcp", 0, 1, tables[1], ["local_only"], ports=(8000, 8099))
    v6 = Vip(f, "fd00:1:2::10", "udp", 443, 2, tables[2], ["local_only"])
    v4_to_v6 = Vip(f, "203.0.113.20", "udp", 53, 2, tables[2], ["local_only"])
    Vip(f, "203.0.113.30", "udp", 53, 3, tables[3], ["local_only"])
    Vip(f, "203.0.113.40", "udp", 53, 1, tables[1], [])
    Vip(f, "203.0.113.50", "udp", 53, 5, tables[5], ["local_only"])
    v_aff = Vip(f, "203.0.113.60", "udp", 53, 6, tables[6], ["local_only", "source_ip"])

    def encap_case(name, vip, src, sport, dport, proto="udp", vlan=None, pinned=False, pad=0):
        l4 = UDP(sport=sport, dport=dport) if proto == "udp" else TCP(sport=sport, dport=dport, flags="S")
        ip = IP(src=src, dst=vip.addr, tos=0x28) if ":" not in vip.addr else IPv6(src=src, dst=vip.addr)
        frame = raw(eth(vlan) / ip / l4 / Raw(PAYLOAD)) + b"\0" * pad
        pnum = 17 if proto == "udp" else 6
        slot = flow_hash(src, vip.addr, pnum, sport, dport, vip.source_ip) % len(vip.slots)
        backend = BACKENDS[vip.slots[slot]]
        out_frame = gue_expected(frame, backend, src, vip.addr, pnum, sport, dport, vlan)
        f.case(name, frame, "tx", ["tx_gue", "note_flow_pinned" if pinned else "note_flow_new"], out_frame)
        return vip.slots[slot]

    # Enough flows that both backends of table 1 are chosen (the test asserts each output frame).
    chosen = {encap_case(f"v4_udp_vip_flow_{i}", v_udp, CLIENT4, 40000 + i, 53) for i in range(8)}
    assert chosen == {1, 2}, chosen
    encap_case("v4_udp_vip_flow_0_again_is_pinned", v_udp, CLIENT4, 40000, 53, pinned=True)
    encap_case("vlan_v4_udp_vip", v_udp, "192.0.2.11", 40100, 53, vlan=100)
    encap_case("v4_udp_vip_padded_frame", v_udp, "192.0.2.12", 40101, 53, pad=20)
    encap_case("v4_tcp_vip_port_range_first", v_range, CLIENT4, 40200, 8000, proto="tcp")
    encap_case("v4_tcp_vip_port_range_last", v_range, CLIENT4, 40201, 8099, proto="tcp")
    encap_case("v6_udp_vip_to_v6_backend", v6, CLIENT6, 40300, 443)
    encap_case("v4_udp_vip_to_v6_backend", v4_to_v6, CLIENT4, 40301, 53)
    a = encap_case("source_ip_affinity_port_1", v_aff, "192.0.2.77", 1111, 53)
    b = encap_case("source_ip_affinity_port_2", v_aff, "192.0.2.77", 2222, 53)
    assert a == b
    vip_eth = lambda dst, l4: eth() / IP(src=CLIENT4, dst=dst) / l4
    f.case("v4_tcp_vip_past_port_range", vip_eth("203.0.113.10", TCP(dport=8100)), "pass", ["pass_not_tunnel"])
    f.case("v4_udp_vip_other_port", vip_eth("203.0.113.10", UDP(dport=54)), "pass", ["pass_not_tunnel"])
    f.case("v4_icmp_to_vip", vip_eth("203.0.113.10", ICMP()), "pass", ["pass_not_tunnel"])
    f.case("v4_vip_fragment", eth() / IP(src=CLIENT4, dst="203.0.113.10", flags="MF") / UDP(dport=53), "pass", ["pass_fragment"])
    f.case("v4_vip_remote_backend", vip_eth("203.0.113.30", UDP(sport=1, dport=53)), "redirect", ["xsk_vip_no_backend"])
    f.case("v4_vip_not_local_only", vip_eth("203.0.113.40", UDP(sport=1, dport=53)), "redirect", ["xsk_vip"])
    f.case("v4_vip_unhealthy_backend", vip_eth("203.0.113.50", UDP(sport=1, dport=53)), "redirect", ["xsk_vip_no_backend"])
    big = vip_eth("203.0.113.10", UDP(sport=3, dport=53) / Raw(b"x" * (1500 - 28 - 20 - 8 + 1)))
    f.case("v4_vip_too_big_for_gue", big, "redirect", ["xsk_vip_too_big", "note_flow_new"])
    fits = vip_eth("203.0.113.10", UDP(sport=4, dport=53) / Raw(b"x" * (1500 - 28 - 20 - 8)))
    f.case("v4_vip_largest_gue", fits, "tx", ["tx_gue", "note_flow_new"],
           gue_expected(fits, BACKENDS[v_udp.slots[flow_hash(CLIENT4, "203.0.113.10", 17, 4, 53) % 7]], CLIENT4, "203.0.113.10", 17, 4, 53))
    f.case("v4_udp_tunnel_port_still_tunnel", vip_eth(GW4, UDP(dport=TUNNEL_FIRST)), "redirect", ["xsk_tunnel"])
    short = raw(vip_eth("203.0.113.10", UDP(sport=5, dport=53) / Raw(PAYLOAD)))
    lying = bytearray(short)
    lying[16:18] = struct.pack(">H", len(short) - 14 + 10)  # IPv4 total length past the frame
    f.case("v4_vip_total_length_past_frame", bytes(lying), "pass", ["pass_malformed", "note_flow_new"])
    f.write(f"{out}/outer_vip.txt")

    f = Fixture("xdp_gateway", "xdp_gateway, role outer, no IPv6 gateway address: IPv6 backends are left to DPDK")
    f.setup(outer_config(f" gateway_v4={GW4}"))
    f.setup("xsk_socket 0")
    f.setup(f"backend 3 {BACKENDS[3]} group=1 flags=healthy,local")
    f.setup("maglev 2 3 3 3 3 3")
    f.setup("vip 203.0.113.20 udp 53 service=2 table_size=5 flags=local_only")
    f.case("v4_vip_v6_backend_without_v6_source", eth() / IP(src=CLIENT4, dst="203.0.113.20") / UDP(dport=53), "redirect",
           ["xsk_vip_no_source", "note_flow_new"])
    f.write(f"{out}/outer_vip_no_source.txt")


def limits(out):
    # Rates are per second, but BPF_PROG_TEST_RUN runs on the real clock: limit_share=1000 makes each
    # bucket hold burst / 1000 tokens and refill at rate / 1000 per second, so with rate 1 a token
    # comes back after 1000 s, never within the test. Burst 2000 is thus 2 packets; 3000 is 3.
    f = Fixture("xdp_gateway", "xdp_gateway, role outer: ingress limits per service and per source prefix (XDP_DROP)")
    f.setup(outer_config(f" gateway_v4={GW4} gateway_v6={GW6} next_hop_mac={NEXT_HOP_MAC} mtu=1500 limit_share=1000"))
    f.setup("xsk_socket 0")
    f.setup(f"backend 1 {BACKENDS[1]} group=1 flags=healthy,local")
    f.setup(f"backend 2 {BACKENDS[2]} group=1 flags=healthy,local")
    table = [1, 2, 1, 2, 2, 1, 1]
    for service in (1, 2, 3, 4):
        f.setup(f"maglev {service} " + " ".join(map(str, table)))
    v_service = Vip(f, "203.0.113.10", "udp", 53, 1, table, ["local_only"])
    v_source = Vip(f, "203.0.113.20", "udp", 53, 2, table, ["local_only"])
    v_source6 = Vip(f, "fd00:1:2::20", "udp", 53, 2, table, ["local_only"])  # source limits are per family
    v_packets = Vip(f, "203.0.113.30", "udp", 53, 3, table, ["local_only"])
    v_dpdk = Vip(f, "203.0.113.40", "udp", 53, 4, table, [])
    f.setup("limits 1 new_flows_per_second=1 new_flows_burst=2000")
    f.setup("limits 2 source_new_flows_per_second=1 source_new_flows_burst=2000 source_prefix_v4=24 source_prefix_v6=64")
    f.setup("limits 3 source_packets_per_second=1 source_packets_burst=3000 source_prefix_v4=24 source_prefix_v6=64")
    f.setup("limits 4 source_packets_per_second=1 source_packets_burst=1000")

    def packet(vip, src, sport):
        ip = IP(src=src, dst=vip.addr) if ":" not in src else IPv6(src=src, dst=vip.addr)
        return eth() / ip / UDP(sport=sport, dport=53) / Raw(PAYLOAD)

    def tx(name, vip, src, sport, pinned=False):
        frame = packet(vip, src, sport)
        slot = flow_hash(src, vip.addr, 17, sport, 53) % len(vip.slots)
        f.case(name, frame, "tx", ["tx_gue", "note_flow_pinned" if pinned else "note_flow_new"],
               gue_expected(frame, BACKENDS[vip.slots[slot]], src, vip.addr, 17, sport, 53))

    # Service-wide new flows: two pass, the third is dropped; pinned flows go on.
    tx("service_new_flow_1", v_service, CLIENT4, 41000)
    tx("service_new_flow_2", v_service, "198.51.100.77", 41001)
    f.case("service_new_flow_3_over_limit", packet(v_service, "203.0.113.99", 41002), "drop", ["drop_limit_service_new_flows"])
    tx("service_pinned_flow_1_still_passes", v_service, CLIENT4, 41000, pinned=True)
    f.case("service_new_flow_4_over_limit", packet(v_service, CLIENT4, 41003), "drop", ["drop_limit_service_new_flows"])
    # Per source /24: 192.0.2.0/24 opens two flows, the third is dropped; another /24 still gets through.
    tx("source_new_flow_1", v_source, "192.0.2.10", 42000)
    tx("source_new_flow_2_same_prefix", v_source, "192.0.2.11", 42001)
    f.case("source_new_flow_3_same_prefix_over_limit", packet(v_source, "192.0.2.12", 42002), "drop",
           ["drop_limit_source_new_flows"])
    tx("source_new_flow_other_prefix", v_source, "192.0.3.10", 42003)
    tx("source_pinned_flow_still_passes", v_source, "192.0.2.10", 42000, pinned=True)
    tx("source_v6_new_flow_1", v_source6, "fd00:1::10", 42004)
    tx("source_v6_new_flow_2_same_64", v_source6, "fd00:1::20", 42005)
    f.case("source_v6_new_flow_3_same_64_over_limit", packet(v_source6, "fd00:1::ffff:30", 42006), "drop",
           ["drop_limit_source_new_flows"])
    tx("source_v6_other_64", v_source6, "fd00:1:0:1::10", 42007)
    # Per source /24 packets: three pass (pinned or not), the fourth is dropped, pinned or not.
    tx("source_packets_1", v_packets, "192.0.2.10", 43000)
    tx("source_packets_2", v_packets, "192.0.2.10", 43000, pinned=True)
    tx("source_packets_3", v_packets, "192.0.2.99", 43001)
    f.case("source_packets_4_pinned_over_limit", packet(v_packets, "192.0.2.10", 43000), "drop", ["drop_limit_source_packets"])
    f.case("source_packets_5_new_over_limit", packet(v_packets, "192.0.2.200", 43002), "drop", ["drop_limit_source_packets"])
    tx("source_packets_other_prefix", v_packets, "192.0.3.10", 43003)
    # A VIP the DPDK path decides: the packet limit already applies in XDP.
    f.case("dpdk_vip_packets_1", packet(v_dpdk, "192.0.2.10", 44000), "redirect", ["xsk_vip"])
    f.case("dpdk_vip_packets_2_over_limit", packet(v_dpdk, "192.0.2.10", 44000), "drop", ["drop_limit_source_packets"])
    f.write(f"{out}/outer_vip_limits.txt")


def options(out):
    # IPv4 options are skipped to find the ports and carried to the backend inside GUE, unchanged.
    f = Fixture("xdp_gateway", "xdp_gateway, role outer: VIP packets with IPv4 options are encapsulated whole")
    f.setup(outer_config(f" gateway_v4={GW4} gateway_v6={GW6} next_hop_mac={NEXT_HOP_MAC} mtu=1500"))
    f.setup("xsk_socket 0")
    f.setup(f"backend 1 {BACKENDS[1]} group=1 flags=healthy,local")
    f.setup(f"backend 2 {BACKENDS[2]} group=1 flags=healthy,local")
    f.setup(f"backend 3 {BACKENDS[3]} group=1 flags=healthy,local")
    table = [1, 2, 1, 2, 2, 1, 1]
    f.setup("maglev 1 " + " ".join(map(str, table)))
    f.setup("maglev 2 3 3 3 3 3")
    v = Vip(f, "203.0.113.10", "udp", 53, 1, table, ["local_only"])
    v_tcp = Vip(f, "203.0.113.10", "tcp", 443, 1, table, ["local_only"])
    v_to_v6 = Vip(f, "203.0.113.20", "udp", 53, 2, [3, 3, 3, 3, 3], ["local_only"])
    cases = [
        ("v4_options_record_route_udp_vip", v, IPOption_RR(routers=["0.0.0.0"]), 45000, "udp", None),
        ("v4_options_40_bytes_udp_vip", v, IPOption_RR(routers=["0.0.0.0"] * 9), 45001, "udp", None),
        ("vlan_v4_options_udp_vip", v, IPOption_RR(routers=["0.0.0.0"]), 45002, "udp", 100),
        ("v4_options_tcp_vip", v_tcp, IPOption_RR(routers=["0.0.0.0"]), 45003, "tcp", None),
        ("v4_options_udp_vip_to_v6_backend", v_to_v6, IPOption_RR(routers=["0.0.0.0"]), 45004, "udp", None),
    ]
    for name, vip, option, sport, proto, vlan in cases:
        dport = 443 if proto == "tcp" else 53
        l4 = UDP(sport=sport, dport=dport) if proto == "udp" else TCP(sport=sport, dport=dport, flags="S")
        frame = raw(eth(vlan) / IP(src=CLIENT4, dst=vip.addr, tos=0x28, options=[option]) / l4 / Raw(PAYLOAD))
        assert frame[14 + (4 if vlan else 0)] > 0x45, "the packet has options"
        pnum = 17 if proto == "udp" else 6
        slot = flow_hash(CLIENT4, vip.addr, pnum, sport, dport) % len(vip.slots)
        f.case(name, frame, "tx", ["tx_gue", "note_flow_new"],
               gue_expected(frame, BACKENDS[vip.slots[slot]], CLIENT4, vip.addr, pnum, sport, dport, vlan))
    f.write(f"{out}/outer_vip_options.txt")


def decap(out):
    f = Fixture("gue_decap", "gue_decap on a backend: GUE to port 6080 becomes its inner packet, the rest is untouched")
    BE4, BE6 = "10.200.1.11", "fd00:c8::13"
    VIP4, VIP6 = "203.0.113.10", "fd00:1:2::10"
    inner4 = IP(src=CLIENT4, dst=VIP4, tos=0x28) / UDP(sport=40000, dport=53) / Raw(PAYLOAD)
    inner6 = IPv6(src=CLIENT6, dst=VIP6) / UDP(sport=40000, dport=443) / Raw(PAYLOAD)
    mac = dict(src=GW_MAC, dst=NEXT_HOP_MAC)

    def gue4(inner, extra=b"", **ip):
        return Ether(**mac) / IP(src=GW4, dst=BE4, flags="DF", **ip) / UDP(sport=49999, dport=6080, chksum=0) / Raw(extra + raw(inner))

    def gue6(inner, extra=b""):
        return Ether(**mac) / IPv6(src=GW6, dst=BE6) / UDP(sport=49999, dport=6080, chksum=0) / Raw(extra + raw(inner))

    def stripped(inner, vlan=None):
        t = 0x0800 if inner.version == 4 else 0x86DD
        if vlan is None:
            return raw(Ether(type=t, **mac)) + raw(inner)
        return raw(Ether(type=0x8100, **mac) / Dot1Q(vlan=vlan, type=t)) + raw(inner)

    f.case("v4_gue_v1_inner_v4", gue4(inner4), "pass", ["decap_v4"], stripped(inner4))
    f.case("v4_gue_v1_inner_v6", gue4(inner6), "pass", ["decap_v6"], stripped(inner6))
    f.case("v6_gue_v1_inner_v6", gue6(inner6), "pass", ["decap_v6"], stripped(inner6))
    f.case("v6_gue_v1_inner_v4", gue6(inner4), "pass", ["decap_v4"], stripped(inner4))
    f.case("v4_gue_v0_empty_header_inner_v4", gue4(inner4, b"\x00\x04\x00\x00"), "pass", ["decap_v4"], stripped(inner4))
    f.case("v6_gue_v0_empty_header_inner_v6", gue6(inner6, b"\x00\x29\x00\x00"), "pass", ["decap_v6"], stripped(inner6))
    f.case("v4_options_gue_v1", gue4(inner4, options=[IPOption_RR(routers=["0.0.0.0"])]), "pass", ["decap_v4"], stripped(inner4))
    tagged = Ether(**mac) / Dot1Q(vlan=100) / IP(src=GW4, dst=BE4) / UDP(sport=49999, dport=6080, chksum=0) / Raw(raw(inner4))
    f.case("vlan_v4_gue_v1", tagged, "pass", ["decap_v4"], stripped(inner4, vlan=100))
    # What xdp_gateway sends is what gue_decap takes: the two programs agree on the format.
    from_gateway = gue_expected(eth() / inner4, BE4, CLIENT4, VIP4, 17, 40000, 53)
    f.case("xdp_gateway_output_v4", from_gateway, "pass", ["decap_v4"], stripped(inner4))
    from_gateway6 = gue_expected(eth() / inner6, BE6, CLIENT6, VIP6, 17, 40000, 443)
    f.case("xdp_gateway_output_v6", from_gateway6, "pass", ["decap_v6"], stripped(inner6))
    untouched = [
        ("v4_udp_other_port", Ether(**mac) / IP(src=GW4, dst=BE4) / UDP(dport=6081) / Raw(raw(inner4)), "pass_not_gue"),
        ("v4_tcp_port_6080", Ether(**mac) / IP(src=GW4, dst=BE4) / TCP(dport=6080), "pass_not_gue"),
        ("v6_icmp", Ether(**mac) / IPv6(src=GW6, dst=BE6) / Raw(b"\x80\x00\x00\x00"), "pass_not_gue"),
        ("arp", Ether(**mac) / ARP(psrc=GW4, pdst=BE4), "pass_not_gue"),
        ("v4_gue_fragment", Ether(**mac) / IP(src=GW4, dst=BE4, flags="MF") / UDP(dport=6080) / Raw(raw(inner4)), "pass_fragment"),
        ("v4_gue_v0_with_options", gue4(inner4, b"\x01\x04\x00\x00\x00\x00\x00\x00"), "pass_gue_unknown"),
        ("v4_gue_v0_control", gue4(b"", b"\x20\x00\x00\x00" + b"\x00" * 8), "pass_gue_unknown"),
        ("v4_gue_v0_unknown_proto", gue4(inner4, b"\x00\x11\x00\x00"), "pass_gue_unknown"),
        ("v4_gue_v1_version_5", gue4(b"\x55" + raw(inner4)[1:]), "pass_gue_unknown"),
        ("v4_gue_payload_3_bytes", gue4(b"\x45\x00\x00"), "pass_gue_unknown"),
        ("v4_gue_v1_inner_truncated", gue4(raw(inner4)[:12]), "pass_gue_unknown"),
        ("v4_outer_truncated", raw(gue4(inner4))[:14 + 16], "pass_malformed"),
        ("v4_udp_truncated", raw(gue4(inner4))[:14 + 20 + 6], "pass_malformed"),
        ("v6_outer_truncated", raw(gue6(inner6))[:14 + 39], "pass_malformed"),
    ]
    for name, frame, counter in untouched:
        f.case(name, frame, "pass", [counter], frame)
    f.write(f"{out}/gue_decap.txt")


if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/vectors/xdp"
    stage1(out_dir)
    stage2(out_dir)
    limits(out_dir)
    options(out_dir)
    decap(out_dir)
