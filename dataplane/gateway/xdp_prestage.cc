// Configuring the af_xdp ports' XDP pre-stage from the gateway's options and snapshot.
#include "dataplane/gateway/xdp_prestage.h"

#include <stdexcept>

#include "bpf/loader/object_path.h"
#include "bpf/loader/xdp_gateway_maps.h"
#include "dataplane/agent/metrics_text.h"
#include "dataplane/dpdk/port.h"

namespace anymesh::gateway {

struct XdpPrestage::Port {
  std::string side;  // "outer" / "inner"
  std::string interface;
  bpf::XdpGatewayMaps maps;
};

agent::PortSpec with_xdp_program(const agent::PortSpec& port, unsigned queues) {
  if (port.kind != agent::PortKind::vdev || port.device.rfind("net_af_xdp", 0) != 0) return port;
  agent::PortSpec out = port;
  if (out.device.find("xdp_prog=") == std::string::npos) out.device += ",xdp_prog=" + bpf::xdp_gateway_object_path();
  if (queues > 1 && out.device.find("queue_count=") == std::string::npos) {
    out.device += ",queue_count=" + std::to_string(queues);
  }
  return out;
}

XdpPrestage::XdpPrestage(const agent::GatewayOptions& options, std::uint32_t outer_address) {
  for (const auto* spec : {&options.outer_port, &options.inner_port}) {
    if (spec->device.rfind("net_af_xdp", 0) != 0) continue;
    bool outer = spec == &options.outer_port;
    auto interface = dpdk::port_interface(*spec);
    if (!interface) throw std::runtime_error("an af_xdp port needs iface=");
    auto maps = bpf::XdpGatewayMaps::open_attached(*interface);
    if (!maps) throw std::runtime_error("XDP pre-stage on " + *interface + ": " + maps.error());
    bpf::GatewayConfig config;
    config.role = outer ? bpf::GatewayRole::outer : bpf::GatewayRole::inner;
    config.tunnel_port_first = options.listen_port;
    config.tunnel_port_count = static_cast<std::uint16_t>(options.lanes_per_peer);
    if (outer) config.gateway_v4 = IpAddress::v4(outer_address);
    config.limit_share = options.queues;  // RSS spreads a port's flows over this many queues (CPUs)
    auto port = std::make_unique<Port>(Port{outer ? "outer" : "inner", *interface, std::move(*maps)});
    if (auto r = port->maps.set_config(config); !r) {
      throw std::runtime_error("XDP pre-stage on " + *interface + ": " + r.error());
    }
    ports_.push_back(std::move(port));
  }
}

XdpPrestage::~XdpPrestage() = default;

bool XdpPrestage::active() const { return !ports_.empty(); }

namespace {

// Every VIP goes to the DPDK workers (xsk_vip): they weigh every region's group and deliver to
// local backends through the inner port. XDP's own GUE path (local_only, XDP_TX back out of the
// port it came in on) suits one-armed gateways whose backends sit behind the outer port; this
// gateway has an inner port for them, so it is not used here.
std::vector<bpf::XdpVip> xdp_vips(const agent::AppliedSnapshot& snapshot) {
  std::vector<bpf::XdpVip> out;
  for (const auto& entry : snapshot.anycast().table().services()) {
    const anycast::Service& s = entry.service;
    std::vector<IpAddress> addresses{s.vip};
    addresses.insert(addresses.end(), s.extra_vips.begin(), s.extra_vips.end());
    for (const auto& address : addresses) {
      bpf::XdpVip v;
      v.address = address;
      v.protocol = s.protocol;
      v.service_id = entry.id;
      v.table_size = s.maglev_table_size;
      v.affinity_source_ip = s.affinity == anycast::Affinity::source_ip;
      if (s.ports.first == s.ports.last) {
        v.port = s.ports.first;
      } else {
        v.port_range = std::make_pair(s.ports.first, s.ports.last);
      }
      out.push_back(v);
    }
  }
  return out;
}

// The services' ingress limits: XDP applies the per-source packet limit to every VIP packet
// before it reaches the workers (which apply all limits again, at the same rates).
std::vector<bpf::XdpServiceLimits> xdp_limits(const agent::AppliedSnapshot& snapshot) {
  std::vector<bpf::XdpServiceLimits> out;
  for (const auto& entry : snapshot.anycast().table().services()) {
    const anycast::ServiceLimits& l = entry.service.limits;
    if (!l.any()) continue;
    bpf::XdpServiceLimits x;
    x.service_id = entry.id;
    x.new_flows_per_second = l.new_flows_per_second;
    x.new_flows_burst = l.new_flows_burst;
    x.source_new_flows_per_second = l.source_new_flows_per_second;
    x.source_new_flows_burst = l.source_new_flows_burst;
    x.source_packets_per_second = l.source_packets_per_second;
    x.source_packets_burst = l.source_packets_burst;
    x.source_prefix_v4 = l.source_prefix_v4;
    x.source_prefix_v6 = l.source_prefix_v6;
    out.push_back(x);
  }
  return out;
}

}  // namespace

void XdpPrestage::apply(const agent::AppliedSnapshot& snapshot) {
  std::vector<IpPrefix> prefixes;
  for (const auto& p : snapshot.route_description().prefixes) prefixes.push_back(p.prefix);
  auto vips = xdp_vips(snapshot);
  auto limits = xdp_limits(snapshot);
  for (const auto& port : ports_) {
    bpf::BpfStatus r = port->side == "inner" ? port->maps.set_mesh_prefixes(prefixes) : port->maps.set_service_limits(limits);
    if (r && port->side != "inner") r = port->maps.set_vips(vips);
    if (!r) throw std::runtime_error("XDP pre-stage on " + port->interface + ": " + r.error());
  }
}

std::string XdpPrestage::metrics_text() const {
  agent::MetricsText m;
  if (ports_.empty()) return {};
  m.family("anymesh_xdp_packets_total", "XDP pre-stage verdicts per port and reason.", agent::MetricType::counter);
  for (const auto& port : ports_) {
    auto counters = port->maps.counters();
    if (!counters) continue;
    for (std::uint32_t i = 0; i < counters->size(); ++i) {
      std::string name(bpf::xdp_counter_name(i));
      if (name.empty()) continue;
      m.sample({{"port", port->side}, {"reason", name}}, (*counters)[i]);
    }
  }
  return m.text();
}

}  // namespace anymesh::gateway
