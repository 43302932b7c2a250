// EmulatedPeer: a peer gateway of the benchmark, played by the tunnel core (one wg::Device per lane,
// as the gateway's workers hold one per lane) on the main lcore. It answers the gateway's
// handshakes, opens a sample of what the gateway sealed, and seals the traffic the gateway opens.
// None of its work is timed: it stands where the wire and the far gateway would be.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/pipeline/frames.h"
#include "dataplane/wireguard/clock.h"
#include "dataplane/wireguard/device.h"

struct rte_mbuf;
struct rte_mempool;

namespace anymesh::bench {

struct EmulatedPeerConfig {
  wg::Key private_key{};
  std::uint32_t address = 0;  // outer IPv4, host order
  pipeline::MacAddress mac{};
  unsigned lanes = 1;
  std::uint16_t listen_port = 51820;  // lane i: listen_port + i, like the gateway
  wg::Key gateway_public_key{};
  std::uint32_t gateway_address = 0;
  std::uint16_t gateway_listen_port = 51820;
  pipeline::MacAddress gateway_mac{};
};

// A datagram for the gateway's outer port, and the lane (hence the worker queue) it belongs to.
struct ToGateway {
  unsigned lane;
  rte_mbuf* frame;
};

class EmulatedPeer {
 public:
  EmulatedPeer(const wg::Clock& clock, const EmulatedPeerConfig& config);

  std::uint32_t address() const { return config_.address; }
  wg::Key public_key() const;
  // Every lane has a session this side can send on (handshake done and confirmed).
  bool ready() const;

  // A datagram the gateway sent to this peer. Handshake messages are answered (framed into mbufs
  // from `pool`, appended to `replies`); transport data is opened in place. Returns the number of
  // packets delivered, and sets *inner to the first one's IP packet when given. The frame stays the caller's.
  std::size_t receive(rte_mbuf* frame, const pipeline::OuterDatagram& d, rte_mempool* pool,
                      std::vector<ToGateway>& replies, std::span<const std::uint8_t>* inner = nullptr);
  // The WireGuard timers (handshake retries).
  void tick(rte_mempool* pool, std::vector<ToGateway>& replies);

  // Seals the IP packet at m's data (which has kOuterHeaders + kHeadroom bytes in front and
  // kTailroom behind) on `lane` and frames it as a datagram to the gateway. False: no session.
  bool seal(rte_mbuf* m, unsigned lane);

 private:
  bool lane_of_port(std::uint16_t port, unsigned& lane) const;
  void send_outbox(unsigned lane, rte_mempool* pool, std::vector<ToGateway>& replies);
  void frame_at(std::uint8_t* frame, unsigned lane, std::uint16_t dst_port, std::size_t payload_length) const;

  EmulatedPeerConfig config_;
  std::vector<std::unique_ptr<wg::Device>> devices_;
  std::vector<wg::Peer*> gateway_;  // the gateway as a peer of each lane's device
  wg::Outbox outbox_{64};
  std::vector<wg::Delivery> deliveries_;
};

}  // namespace anymesh::bench
