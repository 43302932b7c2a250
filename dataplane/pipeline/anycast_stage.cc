// AnycastStage: header checks with a counter per refusal, anycast::steer() (or the local Maglev
// step for tunnelled packets), then GUE variant 1 written into the headroom as xdp_gateway does.
#include "dataplane/pipeline/anycast_stage.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "bpf/include/flow_hash.h"
#include "dataplane/packet/bytes.h"
#include "dataplane/packet/checksum.h"
#include "dataplane/packet/ip_protocol.h"

namespace anymesh::pipeline {
namespace {

constexpr std::size_t kEthernet = 14;
constexpr std::size_t kVlanTag = 4;
constexpr std::size_t kIpv4Header = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kUdpHeader = 8;
constexpr std::size_t kTcpHeader = 20;
constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint16_t kEther8021q = 0x8100;
constexpr std::uint16_t kEther8021ad = 0x88a8;
constexpr std::uint8_t kIpv6Fragment = 44;

bool is_vlan(std::uint16_t type) { return type == kEther8021q || type == kEther8021ad; }

// IPv6 extension headers (RFC 8200 and the IANA list) that may stand before the transport header;
// the same list as xdp_gateway's am_ipv6_extension.
bool is_ipv6_extension(std::uint8_t next) {
  switch (next) {
    case 0: case 43: case 44: case 51: case 60: case 135: case 139: case 140: case 253: case 254:
      return true;
    default:
      return false;
  }
}

bool all_zero(std::span<const std::uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace

// What the header checks learnt about one packet; offsets from the start of the input.
struct AnycastStage::Parsed {
  std::size_t l2 = 0;         // Ethernet (+ tag) length; 0 for framing ip
  std::size_t ip_length = 0;  // the IP packet per its length field (padding excluded)
  std::uint8_t tos = 0;       // IPv4 type of service, copied to an IPv4 outer header
  anycast::FlowTuple tuple{};
};

// The gate steer() asks before deciding a new flow: the source prefix's new-flow bucket first (a
// flood from one prefix must not eat the service's budget), then the service's.
struct AnycastStage::Limiter final : anycast::NewFlowGate {
  AnycastStage& stage;
  anycast::SourceBuckets* source;
  std::uint64_t* hit = nullptr;  // the counter of the limit that refused

  Limiter(AnycastStage& s, anycast::SourceBuckets* b) : stage(s), source(b) {}

  bool admit(const anycast::ServiceEntry& entry, const anycast::FlowTuple&, anycast::FlowTime now) override {
    const auto& l = entry.service.limits;
    const auto share = stage.config_.limit_share;
    if (source != nullptr &&
        !source->new_flows.take({l.source_new_flows_per_second, l.source_new_flows_burst, share}, now)) {
      hit = &stage.counters_.limit_source_new_flows;
      return false;
    }
    if (l.new_flows_per_second != 0 && entry.id < stage.service_buckets_.size()) {
      const anycast::TokenRate rate{l.new_flows_per_second, l.new_flows_burst, share};
      auto& slot = stage.service_buckets_[entry.id];
      if (slot.generation != stage.limit_generation_) {
        slot.bucket = anycast::TokenBucket::full(rate, now);
        slot.generation = stage.limit_generation_;
      }
      if (!slot.bucket.take(rate, now)) {
        hit = &stage.counters_.limit_service_new_flows;
        return false;
      }
    }
    return true;
  }
};

AnycastStage::AnycastStage(AnycastStageConfig config)
    : config_(std::move(config)),
      flows_(config_.flows),
      sources_(config_.limit_sources),
      service_buckets_(config_.limit_services) {}

// The buckets of the tuple's source prefix for this service, full when first seen.
anycast::SourceBuckets* AnycastStage::source_buckets(const anycast::ServiceEntry& entry,
                                                     const anycast::FlowTuple& tuple, anycast::FlowTime now) {
  const auto& l = entry.service.limits;
  am_source_key key;
  am_source_key_of(&key, &tuple, entry.id, l.source_prefix_v4, l.source_prefix_v6);
  bool fresh = false;
  auto& b = sources_.find_or_add(key, limit_generation_, fresh);
  if (fresh) {
    const auto share = config_.limit_share;
    b.new_flows = anycast::TokenBucket::full({l.source_new_flows_per_second, l.source_new_flows_burst, share}, now);
    b.packets = anycast::TokenBucket::full({l.source_packets_per_second, l.source_packets_burst, share}, now);
  }
  return &b;
}

AnycastDecision AnycastStage::refuse(std::uint64_t& reason) {
  ++reason;
  return AnycastDecision{};
}

AnycastDecision AnycastStage::drop(std::uint64_t& reason, const anycast::ServiceEntry* service) {
  ++reason;
  AnycastDecision d;
  d.verdict = AnycastVerdict::drop;
  d.service = service;
  return d;
}

AnycastDecision AnycastStage::classify(std::span<std::uint8_t> bytes, std::size_t headroom,
                                       Framing framing, AnycastOrigin origin,
                                       anycast::FlowTime now) {
  ++counters_.packets;
  Parsed p;
  const std::uint8_t* b = bytes.data();
  const std::size_t n = bytes.size();

  // L2: Ethernet with at most one tag, or nothing.
  std::uint8_t version = 0;
  if (framing == Framing::ethernet) {
    if (n < kEthernet) return refuse(counters_.truncated);
    std::uint16_t type = load_be16(b + 12);
    p.l2 = kEthernet;
    if (is_vlan(type)) {
      if (n < kEthernet + kVlanTag) return refuse(counters_.truncated);
      type = load_be16(b + 16);
      p.l2 += kVlanTag;
      if (is_vlan(type)) return refuse(counters_.vlan_stacked);
    }
    if (type == kEtherIpv4) {
      version = 4;
    } else if (type == kEtherIpv6) {
      version = 6;
    } else {
      return refuse(counters_.not_ip);
    }
  } else {
    if (n == 0) return refuse(counters_.truncated);
    version = b[0] >> 4;
    if (version != 4 && version != 6) return refuse(counters_.not_ip);
  }

  // L3: no fragments, no extension headers; IPv4 options are skipped (and carried, as
  // xdp_gateway does); the length field must fit the input.
  const std::uint8_t* ip = b + p.l2;
  const std::size_t available = n - p.l2;
  std::size_t l4 = 0;
  std::uint8_t protocol = 0;
  if (version == 4) {
    if (available < kIpv4Header) return refuse(counters_.truncated);
    std::size_t header = std::size_t{ip[0] & 0x0fu} * 4;
    if ((ip[0] >> 4) != 4 || header < kIpv4Header) return refuse(counters_.bad_ip_header);
    p.ip_length = load_be16(ip + 2);
    if (p.ip_length < header) return refuse(counters_.bad_ip_header);
    if (p.ip_length > available) return refuse(counters_.truncated);
    if (header != kIpv4Header) ++counters_.ip_options;
    if ((load_be16(ip + 6) & 0x3fffu) != 0) return refuse(counters_.fragment);  // MF or offset
    protocol = ip[9];
    p.tos = ip[1];
    p.tuple.family = AM_FAMILY_V4;
    std::memcpy(p.tuple.src, ip + 12, 4);
    std::memcpy(p.tuple.dst, ip + 16, 4);
    l4 = header;
  } else {
    if (available < kIpv6Header) return refuse(counters_.truncated);
    if ((ip[0] >> 4) != 6) return refuse(counters_.bad_ip_header);
    p.ip_length = kIpv6Header + load_be16(ip + 4);
    if (p.ip_length > available) return refuse(counters_.truncated);
    protocol = ip[6];
    if (protocol == kIpv6Fragment) return refuse(counters_.fragment);
    if (is_ipv6_extension(protocol)) return refuse(counters_.ipv6_extension);
    p.tuple.family = AM_FAMILY_V6;
    std::memcpy(p.tuple.src, ip + 8, 16);
    std::memcpy(p.tuple.dst, ip + 24, 16);
    l4 = kIpv6Header;
  }
  if (protocol != ip_protocol::tcp && protocol != ip_protocol::udp) {
    return refuse(counters_.unknown_protocol);
  }
  std::size_t l4_header = protocol == ip_protocol::udp ? kUdpHeader : kTcpHeader;
  if (p.ip_length < l4 + l4_header) return refuse(counters_.truncated);
  p.tuple.proto = protocol;
  std::memcpy(p.tuple.sport, ip + l4, 2);
  std::memcpy(p.tuple.dport, ip + l4 + 2, 2);

  // The decision.
  if (services_ == nullptr) return refuse(counters_.not_vip);
  const auto* entry = services_->classify(anycast::tuple_destination(p.tuple), protocol,
                                          anycast::tuple_destination_port(p.tuple));
  if (entry == nullptr) return refuse(counters_.not_vip);
  anycast::Steering steering;
  if (origin == AnycastOrigin::client) {
    const auto& l = entry->service.limits;
    anycast::SourceBuckets* source = nullptr;
    if (l.source_new_flows_per_second != 0 || l.source_packets_per_second != 0) {
      source = source_buckets(*entry, p.tuple, now);
      if (!source->packets.take({l.source_packets_per_second, l.source_packets_burst, config_.limit_share}, now)) {
        return drop(counters_.limit_source_packets, entry);
      }
    }
    Limiter gate(*this, l.source_new_flows_per_second != 0 ? source : nullptr);
    bool gated = l.new_flows_per_second != 0 || l.source_new_flows_per_second != 0;
    auto steered = anycast::steer(*services_, *entry, flows_, p.tuple, now, gated ? &gate : nullptr);
    if (!steered) {
      if (steered.error() == anycast::SteerError::refused && gate.hit != nullptr) return drop(*gate.hit, entry);
      return drop(counters_.no_capacity, entry);
    }
    steering = *steered;
  } else {
    auto local = steer_from_tunnel(*entry, p.tuple, now);
    if (!local) return drop(counters_.tunnel_no_local_group, entry);
    steering = *local;
  }
  switch (steering.outcome) {
    case anycast::SteerOutcome::pinned: ++counters_.flow_pinned; break;
    case anycast::SteerOutcome::new_flow: ++counters_.flow_new; break;
    case anycast::SteerOutcome::repinned: ++counters_.flow_repinned; break;
  }

  if (steering.target.backend == nullptr) {  // another region's group: the tunnel carries it as is
    ++counters_.to_region;
    AnycastDecision d;
    d.verdict = AnycastVerdict::to_region;
    d.packet = bytes.subspan(p.l2, p.ip_length);
    d.service = steering.service;
    d.group = steering.target.group;
    d.outcome = steering.outcome;
    return d;
  }
  return encapsulate(bytes, headroom, p, steering, am_flow_hash(&p.tuple));
}

// The local group's Maglev table alone: the ingress gateway already chose this region.
std::optional<anycast::Steering> AnycastStage::steer_from_tunnel(const anycast::ServiceEntry& entry,
                                                                 const anycast::FlowTuple& tuple,
                                                                 anycast::FlowTime now) {
  const auto& groups = entry.service.groups;
  std::size_t g = 0;
  while (g < groups.size() && !entry.groups[g].maglev) ++g;
  if (g == groups.size()) return std::nullopt;
  const auto& group = groups[g];
  bool any_healthy = std::any_of(group.backends.begin(), group.backends.end(),
                                 [](const anycast::Backend& b) { return b.healthy; });
  auto flow_hash = am_flow_hash(&tuple);
  auto outcome = anycast::SteerOutcome::new_flow;
  if (auto pinned = flows_.find(tuple, flow_hash, now)) {
    auto target = services_->find(entry, pinned->group_id, pinned->backend_id);
    if (target && target->group == &group && target->backend != nullptr &&
        (target->backend->healthy || !any_healthy)) {
      return anycast::Steering{&entry, *target, *pinned, anycast::SteerOutcome::pinned};
    }
    outcome = anycast::SteerOutcome::repinned;
  }
  auto decision_hash = am_decision_hash(&tuple, static_cast<std::uint32_t>(entry.service.affinity));
  const auto& backend = group.backends[entry.groups[g].maglev->lookup(decision_hash)];
  anycast::FlowDecision decision{group.id, backend.id};
  flows_.pin(tuple, flow_hash, decision, now);
  return anycast::Steering{&entry, anycast::SteeringTarget{&group, &backend}, decision, outcome};
}

// GUE variant 1 (bpf/include/gue.h) in front of the client's IP packet, in place: the L2 header
// (if any) moves forward into the headroom and the outer IP + UDP headers go between.
AnycastDecision AnycastStage::encapsulate(std::span<std::uint8_t> bytes, std::size_t headroom,
                                          const Parsed& p, const anycast::Steering& s,
                                          std::uint32_t flow_hash) {
  const auto& backend = *s.target.backend;
  const bool v4 = backend.address.is_v4();
  const auto& source = v4 ? config_.gateway_v4 : config_.gateway_v6;
  if (!source || source->family != backend.address.family) {
    return drop(counters_.gue_no_source, s.service);
  }
  const std::size_t outer = v4 ? AM_GUE_OUTER_V4_BYTES : AM_GUE_OUTER_V6_BYTES;
  if (p.ip_length + outer > config_.mtu) return drop(counters_.gue_too_big, s.service);
  if (headroom < outer) return drop(counters_.no_headroom, s.service);

  std::uint8_t* frame = bytes.data() - outer;
  if (p.l2 != 0) {
    std::array<std::uint8_t, kEthernet + kVlanTag> l2{};
    std::memcpy(l2.data(), bytes.data(), p.l2);
    std::memcpy(frame + 6, l2.data(), 6);  // source: the MAC the frame was sent to
    const auto& next_hop = config_.next_hop_mac;
    std::memcpy(frame, all_zero(next_hop) ? l2.data() + 6 : next_hop.data(), 6);
    std::uint16_t type = v4 ? kEtherIpv4 : kEtherIpv6;
    if (p.l2 == kEthernet + kVlanTag) {
      std::memcpy(frame + 12, l2.data() + 12, 4);  // tag protocol and TCI kept
      store_be16(frame + 16, type);
    } else {
      store_be16(frame + 12, type);
    }
  }

  std::uint8_t* ip = frame + p.l2;
  const auto udp_length = static_cast<std::uint16_t>(p.ip_length + kUdpHeader);
  std::uint8_t* udp = nullptr;
  if (v4) {
    ip[0] = 0x45;
    ip[1] = p.tuple.family == AM_FAMILY_V4 ? p.tos : 0;
    store_be16(ip + 2, static_cast<std::uint16_t>(p.ip_length + AM_GUE_OUTER_V4_BYTES));
    store_be16(ip + 4, 0);       // identification: DF set, never fragmented
    store_be16(ip + 6, 0x4000);  // DF
    ip[8] = AM_GUE_TTL;
    ip[9] = ip_protocol::udp;
    store_be16(ip + 10, 0);
    std::memcpy(ip + 12, source->bytes.data(), 4);
    std::memcpy(ip + 16, backend.address.bytes.data(), 4);
    store_be16(ip + 10, ipv4_header_checksum({ip, kIpv4Header}));
    udp = ip + kIpv4Header;
  } else {
    std::uint32_t label = am_gue_flow_label(flow_hash);
    store_be32(ip, (6u << 28) | label);  // traffic class 0
    store_be16(ip + 4, udp_length);
    ip[6] = ip_protocol::udp;
    ip[7] = AM_GUE_TTL;
    std::memcpy(ip + 8, source->bytes.data(), 16);
    std::memcpy(ip + 24, backend.address.bytes.data(), 16);
    udp = ip + kIpv6Header;
  }
  store_be16(udp, am_gue_source_port(flow_hash));
  store_be16(udp + 2, config_.gue_port);
  store_be16(udp + 4, udp_length);
  store_be16(udp + 6, 0);  // no checksum: allowed for IPv4, and for IPv6 tunnels by RFC 6935

  ++counters_.to_backend;
  AnycastDecision d;
  d.verdict = AnycastVerdict::to_backend;
  d.packet = std::span<std::uint8_t>(frame, bytes.size() + outer);
  d.l3_offset = p.l2;
  d.service = s.service;
  d.group = s.target.group;
  d.backend = s.target.backend;
  d.outcome = s.outcome;
  return d;
}

}  // namespace anymesh::pipeline
