// Conversions between the packet layer's FlowKey and the shared am_flow_tuple (hash input and flow key).
#pragma once

#include <cstdint>

#include "bpf/include/flow_hash.h"
#include "dataplane/packet/flow.h"
#include "dataplane/packet/ip_address.h"

namespace anymesh::anycast {

using FlowTuple = am_flow_tuple;

// Ports in host byte order; both addresses must have the same family (a packet never mixes them).
FlowTuple make_flow_tuple(const IpAddress& src, const IpAddress& dst, std::uint8_t protocol,
                          std::uint16_t src_port, std::uint16_t dst_port);
FlowTuple make_flow_tuple(const FlowKey& key);

IpAddress tuple_source(const FlowTuple& t);
IpAddress tuple_destination(const FlowTuple& t);
std::uint16_t tuple_source_port(const FlowTuple& t);
std::uint16_t tuple_destination_port(const FlowTuple& t);

// Byte equality: the tuple has no padding, so equal bytes are equal flows.
bool same_flow(const FlowTuple& a, const FlowTuple& b);

}  // namespace anymesh::anycast
