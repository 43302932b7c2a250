// FlowKey <-> am_flow_tuple: addresses zero-padded to 16 bytes, ports stored big-endian.
#include "dataplane/anycast/flow_tuple.h"

#include <cstring>

namespace anymesh::anycast {
namespace {

void put_port(std::uint8_t* out, std::uint16_t port) {
  out[0] = static_cast<std::uint8_t>(port >> 8);
  out[1] = static_cast<std::uint8_t>(port);
}

std::uint16_t get_port(const std::uint8_t* in) {
  return static_cast<std::uint16_t>((in[0] << 8) | in[1]);
}

IpAddress get_address(const std::uint8_t* bytes, std::uint8_t family) {
  return family == AM_FAMILY_V4 ? IpAddress::v4_bytes(bytes) : IpAddress::v6_bytes(bytes);
}

}  // namespace

FlowTuple make_flow_tuple(const IpAddress& src, const IpAddress& dst, std::uint8_t protocol,
                          std::uint16_t src_port, std::uint16_t dst_port) {
  FlowTuple t{};
  std::memcpy(t.src, src.bytes.data(), src.size());
  std::memcpy(t.dst, dst.bytes.data(), dst.size());
  put_port(t.sport, src_port);
  put_port(t.dport, dst_port);
  t.proto = protocol;
  t.family = src.is_v4() ? AM_FAMILY_V4 : AM_FAMILY_V6;
  return t;
}

FlowTuple make_flow_tuple(const FlowKey& key) {
  return make_flow_tuple(key.src, key.dst, key.protocol, key.src_port, key.dst_port);
}

IpAddress tuple_source(const FlowTuple& t) { return get_address(t.src, t.family); }
IpAddress tuple_destination(const FlowTuple& t) { return get_address(t.dst, t.family); }
std::uint16_t tuple_source_port(const FlowTuple& t) { return get_port(t.sport); }
std::uint16_t tuple_destination_port(const FlowTuple& t) { return get_port(t.dport); }

bool same_flow(const FlowTuple& a, const FlowTuple& b) {
  return std::memcmp(&a, &b, sizeof(FlowTuple)) == 0;
}

}  // namespace anymesh::anycast
