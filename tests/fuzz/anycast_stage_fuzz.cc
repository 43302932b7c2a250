// libFuzzer harness: the anycast stage on arbitrary bytes must pass them untouched, drop them, or
// write its output only inside the buffer it was given (headroom included); with ANYMESH_SANITIZE, ASan catches the rest.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/anycast/service.h"
#include "dataplane/pipeline/anycast_stage.h"

namespace {

using namespace anymesh;
using namespace anymesh::pipeline;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

IpAddress address(const char* text) { return *IpAddress::parse(text); }

anycast::Service service(const char* vip, std::uint8_t protocol, std::uint16_t first, std::uint16_t last,
                         std::uint32_t first_id, bool remote) {
  anycast::Service s;
  s.name = std::string("svc-") + vip + "-" + std::to_string(protocol);
  s.vip = address(vip);
  s.protocol = protocol;
  s.ports = {first, last};
  s.maglev_table_size = 1009;
  anycast::EndpointGroup local;
  local.id = 1;
  local.region = "r1";
  local.backends.push_back({first_id, address("10.200.1.11"), 1, true});
  local.backends.push_back({first_id + 1, address("fd00:c8::12"), 2, true});
  local.backends.push_back({first_id + 2, address("10.200.1.13"), 1, false});
  s.groups.push_back(local);
  if (remote) {
    anycast::EndpointGroup other;
    other.id = 2;
    other.region = "r2";
    s.groups.push_back(other);
  }
  return s;
}

// Seeds hit these: 203.0.113.10 udp 53 and tcp 80-90, fd00:1:2::10 udp 443 (with a remote group),
// and the limited ones: 203.0.113.20 udp 1-1000 and fd00:1:2::20 tcp 1-1000 (every limit, small).
const anycast::ServiceTable& table() {
  static const anycast::ServiceTable t = [] {
    std::vector<anycast::Service> services;
    services.push_back(service("203.0.113.10", 17, 53, 53, 1, false));
    services.push_back(service("203.0.113.10", 6, 80, 90, 10, true));
    services.push_back(service("fd00:1:2::10", 17, 443, 443, 20, true));
    services[2].affinity = anycast::Affinity::source_ip;
    services.push_back(service("203.0.113.20", 17, 1, 1000, 30, true));
    services.push_back(service("fd00:1:2::20", 6, 1, 1000, 40, false));
    for (std::size_t i = 3; i < 5; ++i) {
      auto& l = services[i].limits;
      l.new_flows_per_second = 40;
      l.new_flows_burst = 20;
      l.source_new_flows_per_second = 3;
      l.source_new_flows_burst = 5;
      l.source_packets_per_second = 30;
      l.source_packets_burst = 10;
      l.source_prefix_v4 = static_cast<std::uint8_t>(i == 3 ? 24 : 32);
      l.source_prefix_v6 = static_cast<std::uint8_t>(i == 3 ? 64 : 128);
    }
    return std::move(*anycast::ServiceTable::build(std::move(services)));
  }();
  return t;
}

AnycastStage& stage() {
  static AnycastStage s = [] {
    AnycastStageConfig c;
    c.gateway_v4 = address("10.200.1.254");
    c.gateway_v6 = address("fd00:1::fe");
    c.flows.capacity = 64;
    c.limit_share = 2;
    c.limit_sources = 8;  // small: sources are evicted all the time
    c.limit_services = 4; // the last service has no service-wide bucket
    return AnycastStage(c);
  }();
  return s;
}

// Every packet adds one to exactly one outcome counter (the rest: the total and the notes).
std::uint64_t outcomes(const AnycastCounters& c) {
  std::uint64_t sum = 0;
  c.for_each([&](const char* name, std::uint64_t value) {
    std::string_view n(name);
    if (n != "packets" && !n.starts_with("flow_") && n != "ip_options") sum += value;
  });
  return sum;
}

}  // namespace

// First byte: bit 0 framing (ethernet/ip), bit 1 origin (client/tunnel), bits 2-7 headroom / 2.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t control = data[0];
  const std::size_t headroom = static_cast<std::size_t>(control >> 2) * 2;  // 0 .. 126
  const std::vector<std::uint8_t> input(data + 1, data + size);
  std::vector<std::uint8_t> buffer(headroom + input.size() + 1);
  std::copy(input.begin(), input.end(), buffer.begin() + static_cast<std::ptrdiff_t>(headroom));

  auto& s = stage();
  s.set_services(&table());
  static std::int64_t tick = 0;
  tick += 1 + (control >> 6);  // the clock moves 1 to 4 ms per input: the buckets refill a little
  auto now = std::chrono::milliseconds(tick);
  std::span<std::uint8_t> bytes(buffer.data() + headroom, input.size());
  auto before = s.counters().packets;
  auto d = s.classify(bytes, headroom, (control & 1) ? Framing::ip : Framing::ethernet,
                      (control & 2) ? AnycastOrigin::tunnel : AnycastOrigin::client, now);
  require(s.counters().packets == before + 1);
  require(outcomes(s.counters()) == s.counters().packets);

  const std::uint8_t* lo = buffer.data();
  const std::uint8_t* hi = buffer.data() + headroom + input.size();
  switch (d.verdict) {
    case AnycastVerdict::pass:
    case AnycastVerdict::drop:
      // Untouched: nothing written before or inside the packet.
      require(std::equal(input.begin(), input.end(), bytes.begin()));
      require(d.packet.empty());
      break;
    case AnycastVerdict::to_region:
      require(d.group != nullptr && d.backend == nullptr && d.group->backends.empty());
      require(d.packet.data() >= bytes.data() && d.packet.data() + d.packet.size() <= hi);
      require((control & 2) == 0);  // a tunnelled packet never leaves the region again
      break;
    case AnycastVerdict::to_backend:
      require(d.backend != nullptr && d.backend->healthy);
      require(d.packet.data() >= lo && d.packet.data() + d.packet.size() == hi);
      require(d.packet.size() == input.size() + (d.backend->address.is_v4() ? 28u : 48u));
      require(d.l3_offset + 28 <= d.packet.size());
      break;
  }
  return 0;
}
