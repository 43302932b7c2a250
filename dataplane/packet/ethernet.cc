// Ethernet II parsing and writing, with at most one 802.1Q tag.
#include "dataplane/packet/ethernet.h"

#include <algorithm>

namespace anymesh {

Result<EthernetView, PacketError> EthernetView::parse(std::span<const std::uint8_t> frame) {
  if (frame.size() < kEthernetHeaderLength) return fail(PacketError::truncated);
  std::size_t header_length = kEthernetHeaderLength;
  if (load_be16(frame.data() + 12) == ethertype::vlan) {
    header_length += kVlanTagLength;
    if (frame.size() < header_length) return fail(PacketError::truncated);
  }
  return EthernetView(frame, header_length);
}

Result<std::size_t, BuildError> write_ethernet(std::span<std::uint8_t> out,
                                               const EthernetFields& fields) {
  std::size_t length = kEthernetHeaderLength + (fields.vlan_tci ? kVlanTagLength : 0);
  if (out.size() < length) return fail(BuildError::buffer_too_small);
  std::uint8_t* p = out.data();
  std::copy(fields.dst.begin(), fields.dst.end(), p);
  std::copy(fields.src.begin(), fields.src.end(), p + 6);
  if (fields.vlan_tci) {
    store_be16(p + 12, ethertype::vlan);
    store_be16(p + 14, *fields.vlan_tci);
  }
  store_be16(p + length - 2, fields.ethertype);
  return length;
}

}  // namespace anymesh
