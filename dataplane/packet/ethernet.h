// Ethernet II frame view (at most one 802.1Q tag) and the header writer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "dataplane/packet/bytes.h"
#include "dataplane/packet/packet_error.h"
#include "dataplane/packet/result.h"

namespace anymesh {

using MacAddress = std::array<std::uint8_t, 6>;

namespace ethertype {
inline constexpr std::uint16_t ipv4 = 0x0800;
inline constexpr std::uint16_t arp = 0x0806;
inline constexpr std::uint16_t vlan = 0x8100;  // 802.1Q
inline constexpr std::uint16_t ipv6 = 0x86dd;
}  // namespace ethertype

inline constexpr std::size_t kEthernetHeaderLength = 14;
inline constexpr std::size_t kVlanTagLength = 4;

class EthernetView {
 public:
  // Accepts an untagged frame or one 802.1Q tag. A second tag (QinQ) is not unwrapped: it shows
  // up as ethertype() == 0x8100 for the caller to refuse.
  static Result<EthernetView, PacketError> parse(std::span<const std::uint8_t> frame);

  MacAddress dst() const { return mac_at(0); }
  MacAddress src() const { return mac_at(6); }
  bool has_vlan() const { return header_length_ > kEthernetHeaderLength; }
  std::uint16_t vlan_tci() const { return has_vlan() ? load_be16(frame_.data() + 14) : 0; }
  std::uint16_t vlan_id() const { return vlan_tci() & 0x0fff; }
  std::uint8_t vlan_priority() const { return static_cast<std::uint8_t>(vlan_tci() >> 13); }
  std::uint16_t ethertype() const { return load_be16(frame_.data() + header_length_ - 2); }
  std::size_t header_length() const { return header_length_; }
  std::span<const std::uint8_t> payload() const { return frame_.subspan(header_length_); }

 private:
  EthernetView(std::span<const std::uint8_t> frame, std::size_t header_length)
      : frame_(frame), header_length_(header_length) {}
  MacAddress mac_at(std::size_t off) const {
    MacAddress m;
    for (std::size_t i = 0; i < m.size(); ++i) m[i] = frame_[off + i];
    return m;
  }

  std::span<const std::uint8_t> frame_;
  std::size_t header_length_;
};

struct EthernetFields {
  MacAddress dst{};
  MacAddress src{};
  std::uint16_t ethertype = ethertype::ipv4;
  std::optional<std::uint16_t> vlan_tci;  // present: write one 802.1Q tag
};

// Writes the header (14 or 18 bytes) at the start of out; returns its length.
Result<std::size_t, BuildError> write_ethernet(std::span<std::uint8_t> out,
                                               const EthernetFields& fields);

}  // namespace anymesh
