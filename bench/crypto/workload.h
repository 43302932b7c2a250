// Packet-size workloads of the seal/open benchmark: fixed sizes and the IMIX mix.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "dataplane/wireguard/messages.h"

namespace anymesh::bench {

// The largest plaintext a WireGuard interface with the default MTU (1420) carries.
inline constexpr std::size_t kTunnelMtu = wg::kDefaultMtu;

// One workload: packet i has plaintext length lengths[i % lengths.size()].
struct Workload {
  std::string name;
  std::vector<std::size_t> lengths;

  double average_length() const {
    double sum = 0;
    for (std::size_t len : lengths) sum += static_cast<double>(len);
    return sum / static_cast<double>(lengths.size());
  }
};

// Simple IMIX, 7:4:1 of 64/576/1500 bytes. 1500 does not fit in the tunnel (MTU 1420), so the large
// packet is capped to 1420: what a tunnel sees when the inner path MTU is respected. Interleaved so
// that a batch of 32 mixes sizes like real traffic instead of running 7 small packets back to back.
inline Workload imix() {
  return {"imix", {64, 576, 64, 64, 576, 64, kTunnelMtu, 64, 576, 64, 64, 576}};
}

inline std::vector<Workload> standard_workloads() {
  return {{"64", {64}}, {"512", {512}}, {"1420", {kTunnelMtu}}, imix()};
}

}  // namespace anymesh::bench
