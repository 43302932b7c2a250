// Bringing up a DPDK port: find it by name, configure RSS and queues, start it.
#include "dataplane/dpdk/port.h"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <cstring>
#include <stdexcept>

#include "dataplane/dpdk/mbuf_pool.h"

namespace anymesh::dpdk {
namespace {

[[noreturn]] void fail(const std::string& name, const std::string& what, int err) {
  throw std::runtime_error("port " + name + ": " + what + ": " + rte_strerror(err < 0 ? -err : err));
}

}  // namespace

std::string port_name(const agent::PortSpec& spec) {
  return spec.device.substr(0, spec.device.find(','));
}

std::optional<std::string> port_interface(const agent::PortSpec& spec) {
  if (spec.kind != agent::PortKind::vdev) return std::nullopt;
  std::size_t at = 0;
  while ((at = spec.device.find(',', at)) != std::string::npos) {
    ++at;
    if (spec.device.compare(at, 6, "iface=") == 0) {
      std::size_t end = spec.device.find(',', at);
      return spec.device.substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6);
    }
  }
  return std::nullopt;
}

Port open_port(const agent::PortSpec& spec, unsigned queues, rte_mempool* pool) {
  Port port;
  port.name = port_name(spec);
  port.interface = port_interface(spec);
  port.queues = queues;
  if (rte_eth_dev_get_port_by_name(port.name.c_str(), &port.id) != 0) {
    throw std::runtime_error("port " + port.name + ": DPDK has no such device (check the EAL messages above)");
  }
  rte_eth_dev_info info{};
  if (int rc = rte_eth_dev_info_get(port.id, &info); rc != 0) fail(port.name, "no device info", rc);
  if (queues > info.max_rx_queues || queues > info.max_tx_queues) {
    throw std::runtime_error("port " + port.name + ": " + std::to_string(queues) + " queues asked, the device has " +
                             std::to_string(info.max_rx_queues) + " (af_xdp: add queue_count=N to the vdev)");
  }
  rte_eth_conf conf{};
  if (queues > 1) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP);
  }
  if (int rc = rte_eth_dev_configure(port.id, static_cast<std::uint16_t>(queues), static_cast<std::uint16_t>(queues), &conf); rc != 0) {
    fail(port.name, "configure", rc);
  }
  auto rxd = static_cast<std::uint16_t>(kRxDescriptors), txd = static_cast<std::uint16_t>(kTxDescriptors);
  rte_eth_dev_adjust_nb_rx_tx_desc(port.id, &rxd, &txd);
  int socket = rte_eth_dev_socket_id(port.id);
  if (socket < 0) socket = static_cast<int>(rte_socket_id());
  for (std::uint16_t q = 0; q < queues; ++q) {
    if (int rc = rte_eth_rx_queue_setup(port.id, q, rxd, static_cast<unsigned>(socket), nullptr, pool); rc != 0) {
      fail(port.name, "rx queue " + std::to_string(q), rc);
    }
    if (int rc = rte_eth_tx_queue_setup(port.id, q, txd, static_cast<unsigned>(socket), nullptr); rc != 0) {
      fail(port.name, "tx queue " + std::to_string(q), rc);
    }
  }
  if (int rc = rte_eth_dev_start(port.id); rc != 0) fail(port.name, "start", rc);
  rte_eth_promiscuous_enable(port.id);  // not every vdev supports it; the kernel side decides then
  rte_ether_addr mac{};
  rte_eth_macaddr_get(port.id, &mac);
  std::memcpy(port.mac.data(), mac.addr_bytes, 6);
  return port;
}

void close_port(const Port& port) {
  rte_eth_dev_stop(port.id);
  rte_eth_dev_close(port.id);
}

}  // namespace anymesh::dpdk
