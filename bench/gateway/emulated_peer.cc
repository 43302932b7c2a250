// The emulated peer gateway: tunnel-core devices framed onto the benchmark's rings.
#include "bench/gateway/emulated_peer.h"

#include <rte_mbuf.h>

#include <cstring>

#include "dataplane/packet/ip_address.h"

namespace anymesh::bench {
namespace {

std::uint8_t* data_of(rte_mbuf* m) { return rte_pktmbuf_mtod(m, std::uint8_t*); }

}  // namespace

EmulatedPeer::EmulatedPeer(const wg::Clock& clock, const EmulatedPeerConfig& config) : config_(config) {
  for (unsigned lane = 0; lane < config_.lanes; ++lane) {
    wg::Device::Options options;
    options.check_allowed_source = false;  // like the gateway: routing names the peer
    auto device = std::make_unique<wg::Device>(clock, options);
    device->set_private_key(config_.private_key);
    wg::Peer& gateway = device->upsert_peer(config_.gateway_public_key);
    device->set_endpoint(gateway, wg::Endpoint{IpAddress::v4(config_.gateway_address),
                                               static_cast<std::uint16_t>(config_.gateway_listen_port + lane)});
    gateway_.push_back(&gateway);
    devices_.push_back(std::move(device));
  }
  deliveries_.reserve(8);
}

wg::Key EmulatedPeer::public_key() const { return wg::public_key_of(config_.private_key); }

bool EmulatedPeer::ready() const {
  for (const wg::Peer* p : gateway_) {
    if (!p->current) return false;
  }
  return true;
}

bool EmulatedPeer::lane_of_port(std::uint16_t port, unsigned& lane) const {
  if (port < config_.listen_port || port >= config_.listen_port + config_.lanes) return false;
  lane = port - config_.listen_port;
  return true;
}

std::size_t EmulatedPeer::receive(rte_mbuf* frame, const pipeline::OuterDatagram& d, rte_mempool* pool,
                                  std::vector<ToGateway>& replies, std::span<const std::uint8_t>* inner) {
  unsigned lane;
  if (d.dst != config_.address || !lane_of_port(d.dst_port, lane)) return 0;
  wg::Datagram datagram{wg::Endpoint{IpAddress::v4(d.src), d.src_port}, data_of(frame) + d.payload_offset,
                        d.payload_length};
  deliveries_.clear();
  outbox_.clear();
  devices_[lane]->receive({&datagram, 1}, deliveries_, outbox_);
  send_outbox(lane, pool, replies);
  if (inner != nullptr && !deliveries_.empty()) *inner = {deliveries_.front().data, deliveries_.front().len};
  return deliveries_.size();
}

void EmulatedPeer::tick(rte_mempool* pool, std::vector<ToGateway>& replies) {
  for (unsigned lane = 0; lane < devices_.size(); ++lane) {
    outbox_.clear();
    devices_[lane]->tick(outbox_);
    send_outbox(lane, pool, replies);
  }
}

void EmulatedPeer::send_outbox(unsigned lane, rte_mempool* pool, std::vector<ToGateway>& replies) {
  for (const wg::Transmit& t : outbox_.transmits()) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (m == nullptr) continue;  // the gateway retries its handshake
    std::uint8_t* frame = data_of(m);
    std::memcpy(frame + pipeline::kOuterHeaders, t.data, t.len);
    frame_at(frame, lane, t.to.port, t.len);
    m->data_len = static_cast<std::uint16_t>(pipeline::kOuterHeaders + t.len);
    m->pkt_len = m->data_len;
    replies.push_back({lane, m});
  }
  outbox_.clear();
}

void EmulatedPeer::frame_at(std::uint8_t* frame, unsigned lane, std::uint16_t dst_port,
                            std::size_t payload_length) const {
  pipeline::OuterAddressing a;
  a.src_mac = config_.mac;
  a.dst_mac = config_.gateway_mac;
  a.src = config_.address;
  a.dst = config_.gateway_address;
  a.src_port = static_cast<std::uint16_t>(config_.listen_port + lane);
  a.dst_port = dst_port;
  pipeline::write_outer_headers(frame, a, payload_length);
}

bool EmulatedPeer::seal(rte_mbuf* m, unsigned lane) {
  wg::Packet packet{data_of(m), m->data_len};
  outbox_.clear();
  devices_[lane]->send_to(*gateway_[lane], {&packet, 1}, outbox_);
  auto transmits = outbox_.transmits();
  auto* base = static_cast<std::uint8_t*>(m->buf_addr);
  if (transmits.size() != 1 || transmits[0].data < base + pipeline::kOuterHeaders ||
      transmits[0].data >= base + m->buf_len) {
    outbox_.clear();
    return false;
  }
  auto* frame = const_cast<std::uint8_t*>(transmits[0].data) - pipeline::kOuterHeaders;
  frame_at(frame, lane, transmits[0].to.port, transmits[0].len);
  m->data_off = static_cast<std::uint16_t>(frame - base);
  m->data_len = static_cast<std::uint16_t>(pipeline::kOuterHeaders + transmits[0].len);
  m->pkt_len = m->data_len;
  outbox_.clear();
  return true;
}

}  // namespace anymesh::bench
