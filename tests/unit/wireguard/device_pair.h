// Two Devices wired back to back in memory with a shared manual clock, for handshake and timer tests.
#pragma once

#include <deque>
#include <vector>

#include "dataplane/wireguard/device.h"
#include "dataplane/wireguard/key.h"

namespace anymesh::wg::test {

struct Wire {
  Endpoint from, to;
  std::vector<std::uint8_t> bytes;
};

// A builds IPv4/UDP-less packets: a minimal valid IPv4 header plus payload, src -> dst.
inline std::vector<std::uint8_t> ipv4_packet(const char* src, const char* dst, std::size_t payload, std::uint8_t fill = 0xab) {
  std::vector<std::uint8_t> p(20 + payload, fill);
  std::size_t total = p.size();
  p[0] = 0x45;
  p[1] = 0;
  p[2] = static_cast<std::uint8_t>(total >> 8);
  p[3] = static_cast<std::uint8_t>(total);
  p[8] = 64;
  p[9] = 17;
  auto s = IpAddress::parse(src), d = IpAddress::parse(dst);
  std::copy_n(s->bytes.begin(), 4, p.begin() + 12);
  std::copy_n(d->bytes.begin(), 4, p.begin() + 16);
  return p;
}

class DevicePair {
 public:
  ManualClock clock;
  Device a{clock}, b{clock};
  Endpoint a_addr = *Endpoint::parse("192.0.2.1:51820");
  Endpoint b_addr = *Endpoint::parse("192.0.2.2:51821");
  Key a_priv = generate_private_key(), b_priv = generate_private_key();
  Peer* b_at_a = nullptr;  // a's view of b
  Peer* a_at_b = nullptr;
  std::deque<Wire> in_flight;
  std::vector<std::vector<std::uint8_t>> delivered_to_a, delivered_to_b;
  bool drop_all = false;

  explicit DevicePair(bool b_knows_a_endpoint = false) {
    a.set_private_key(a_priv);
    b.set_private_key(b_priv);
    b_at_a = &a.upsert_peer(public_key_of(b_priv));
    a_at_b = &b.upsert_peer(public_key_of(a_priv));
    a.add_allowed_ip(*b_at_a, *IpPrefix::parse("10.200.2.0/24"));
    b.add_allowed_ip(*a_at_b, *IpPrefix::parse("10.200.1.0/24"));
    a.set_endpoint(*b_at_a, b_addr);
    if (b_knows_a_endpoint) b.set_endpoint(*a_at_b, a_addr);
  }

  void collect(Outbox& out, const Endpoint& from) {
    for (const auto& t : out.transmits()) {
      if (!drop_all) in_flight.push_back({from, t.to, {t.data, t.data + t.len}});
    }
    out.clear();
  }

  // Sends an IP packet into device x's tunnel side.
  void send_from(Device& x, std::vector<std::uint8_t> ip) {
    std::vector<std::uint8_t> buf(kHeadroom + ip.size() + kTailroom);
    std::copy(ip.begin(), ip.end(), buf.begin() + kHeadroom);
    Packet p{buf.data() + kHeadroom, ip.size()};
    Outbox out;
    x.send({&p, 1}, out);
    collect(out, &x == &a ? a_addr : b_addr);
  }

  // Delivers every message in flight (and their consequences) until quiet; returns messages moved.
  std::size_t pump(std::size_t limit = 1000) {
    std::size_t moved = 0;
    while (!in_flight.empty() && moved < limit) {
      Wire w = std::move(in_flight.front());
      in_flight.pop_front();
      deliver(w);
      ++moved;
    }
    return moved;
  }

  void deliver(Wire& w) {
    Device& to = w.to == a_addr ? a : b;
    Datagram d{w.from, w.bytes.data(), w.bytes.size()};
    std::vector<Delivery> got;
    Outbox out;
    to.receive({&d, 1}, got, out);
    for (auto& g : got) (&to == &a ? delivered_to_a : delivered_to_b).emplace_back(g.data, g.data + g.len);
    collect(out, w.to);
  }

  void tick(Nanos advance) {
    clock.advance(advance);
    Outbox oa, ob;
    a.tick(oa);
    collect(oa, a_addr);
    b.tick(ob);
    collect(ob, b_addr);
  }

  // Lets time pass in small steps, delivering everything after each: timers of both sides interleave
  // as they would in real time (their random jitter separates simultaneous retries).
  void run_for(Nanos total, Nanos step = std::chrono::milliseconds(10)) {
    for (Nanos t{0}; t < total; t += step) {
      tick(step);
      pump();
    }
  }

  // a sends one packet to b; both end with a session.
  void establish() {
    send_from(a, ipv4_packet("10.200.1.1", "10.200.2.1", 100));
    pump();
  }
};

}  // namespace anymesh::wg::test
