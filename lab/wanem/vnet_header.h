// The virtio-net header AF_PACKET prepends with PACKET_VNET_HDR (linux/virtio_net.h does not compile as C++).
#pragma once

#include <cstdint>

namespace anymesh::lab {

// Same layout as struct virtio_net_hdr (host byte order for AF_PACKET on little-endian hosts).
struct VnetHeader {
  std::uint8_t flags;
  std::uint8_t gso_type;
  std::uint16_t hdr_len;
  std::uint16_t gso_size;
  std::uint16_t csum_start;
  std::uint16_t csum_offset;
};
static_assert(sizeof(VnetHeader) == 10);

inline constexpr std::uint8_t kVnetNeedsChecksum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM

}  // namespace anymesh::lab
