// XdpGatewayMaps: find the maps of an xdp_gateway program by name and write its configuration.
#include "bpf/loader/xdp_gateway_maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace anymesh::bpf {
namespace {

constexpr std::string_view kCounterNames[] = {
#define AM_XDP_COUNTER_NAME(name, text) text,
    AM_XDP_COUNTERS(AM_XDP_COUNTER_NAME)
#undef AM_XDP_COUNTER_NAME
};
static_assert(std::size(kCounterNames) == AM_XDP_COUNTER_COUNT);


struct MapsById {
  BpfFd xsks, config, mesh_v4, mesh_v6, counters;
};

Result<BpfFd, std::string> open_map_by_id(std::uint32_t id, std::string& name) {
  BpfFd fd(bpf_map_get_fd_by_id(id));
  if (!fd.valid()) return fail(bpf_error("bpf_map_get_fd_by_id " + std::to_string(id), errno));
  bpf_map_info info{};
  std::uint32_t len = sizeof(info);
  int rc = bpf_obj_get_info_by_fd(fd.get(), &info, &len);
  if (rc != 0) return fail(bpf_error("map info " + std::to_string(id), rc));
  name = info.name;
  return fd;
}

template <typename Key>
std::vector<Key> all_keys(int map_fd) {
  std::vector<Key> keys;
  Key key{};
  Key next{};
  const Key* previous = nullptr;
  while (bpf_map_get_next_key(map_fd, previous, &next) == 0) {
    keys.push_back(next);
    key = next;
    previous = &key;
  }
  return keys;
}

template <typename Key>
BpfStatus replace_prefixes(int map_fd, const std::vector<Key>& wanted, const char* what) {
  std::uint32_t value = 1;
  for (const auto& key : wanted) {
    int rc = bpf_map_update_elem(map_fd, &key, &value, BPF_ANY);
    if (rc != 0) return fail(bpf_error(std::string("update ") + what, rc));
  }
  for (const auto& key : all_keys<Key>(map_fd)) {
    bool keep = std::any_of(wanted.begin(), wanted.end(),
                            [&](const Key& w) { return std::memcmp(&w, &key, sizeof(Key)) == 0; });
    if (!keep) bpf_map_delete_elem(map_fd, &key);
  }
  return Done{};
}

}  // namespace

am_gw_config to_map_value(const GatewayConfig& config) {
  am_gw_config v{};
  v.role = static_cast<std::uint32_t>(config.role);
  v.tunnel_port_first = config.tunnel_port_first;
  v.tunnel_port_count = config.tunnel_port_count;
  if (config.gateway_v4 && config.gateway_v4->is_v4()) {
    std::memcpy(v.gateway_v4, config.gateway_v4->bytes.data(), 4);
  }
  if (config.gateway_v6 && !config.gateway_v6->is_v4()) {
    std::memcpy(v.gateway_v6, config.gateway_v6->bytes.data(), 16);
  }
  std::memcpy(v.next_hop_mac, config.next_hop_mac.data(), 6);
  v.gue_port = config.gue_port;
  v.mtu = config.mtu;
  v.flow_idle_ms = static_cast<std::uint32_t>(config.flow_idle.count());
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  v.limit_share = config.limit_share != 0 ? config.limit_share : static_cast<std::uint32_t>(online > 0 ? online : 1);
  return v;
}

am_service_limits to_map_value(const XdpServiceLimits& l) {
  am_service_limits v{};
  v.new_flows_per_second = l.new_flows_per_second;
  v.new_flows_burst = l.new_flows_burst;
  v.source_new_flows_per_second = l.source_new_flows_per_second;
  v.source_new_flows_burst = l.source_new_flows_burst;
  v.source_packets_per_second = l.source_packets_per_second;
  v.source_packets_burst = l.source_packets_burst;
  v.source_prefix_v4 = l.source_prefix_v4;
  v.source_prefix_v6 = l.source_prefix_v6;
  return v;
}

std::string_view xdp_counter_name(std::uint32_t index) {
  return index < AM_XDP_COUNTER_COUNT ? kCounterNames[index] : std::string_view{};
}

std::optional<std::uint32_t> xdp_counter_index(std::string_view name) {
  for (std::uint32_t i = 0; i < AM_XDP_COUNTER_COUNT; ++i) {
    if (kCounterNames[i] == name) return i;
  }
  return std::nullopt;
}

Result<XdpGatewayMaps, std::string> XdpGatewayMaps::open_attached(const std::string& ifname) {
  unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) return fail(bpf_error("interface " + ifname, errno));
  std::uint32_t prog_id = 0;
  int rc = bpf_xdp_query_id(static_cast<int>(ifindex), 0, &prog_id);
  if (rc != 0) return fail(bpf_error("XDP query on " + ifname, rc));
  if (prog_id == 0) return fail("no XDP program attached to " + ifname);
  BpfFd prog(bpf_prog_get_fd_by_id(prog_id));
  if (!prog.valid()) return fail(bpf_error("XDP program " + std::to_string(prog_id), errno));
  return open_program(prog.get());
}

Result<XdpGatewayMaps, std::string> XdpGatewayMaps::open_program(int prog_fd) {
  bpf_prog_info info{};
  std::uint32_t len = sizeof(info);
  int rc = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
  if (rc != 0) return fail(bpf_error("program info", rc));
  std::vector<std::uint32_t> map_ids(info.nr_map_ids);
  std::uint32_t program_id = info.id;
  info = bpf_prog_info{};
  info.nr_map_ids = static_cast<std::uint32_t>(map_ids.size());
  info.map_ids = reinterpret_cast<std::uintptr_t>(map_ids.data());
  len = sizeof(info);
  rc = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
  if (rc != 0) return fail(bpf_error("program map ids", rc));
  map_ids.resize(std::min<std::size_t>(map_ids.size(), info.nr_map_ids));

  XdpGatewayMaps maps;
  maps.program_id_ = program_id;
  for (auto id : map_ids) {
    std::string name;
    auto fd = open_map_by_id(id, name);
    if (!fd) return fail(fd.error());
    if (name == "xsks_map") maps.xsks_map_ = std::move(*fd);
    else if (name == "gw_config") maps.config_ = std::move(*fd);
    else if (name == "mesh_prefix_v4") maps.mesh_v4_ = std::move(*fd);
    else if (name == "mesh_prefix_v6") maps.mesh_v6_ = std::move(*fd);
    else if (name == "xdp_counters") maps.counters_ = std::move(*fd);
    else if (name == "vips") maps.vips_ = std::move(*fd);
    else if (name == "maglev") maps.maglev_ = std::move(*fd);
    else if (name == "backends") maps.backends_ = std::move(*fd);
    else if (name == "flows") maps.flows_ = std::move(*fd);
    else if (name == "service_limits") maps.service_limits_ = std::move(*fd);
    else if (name == "service_buckets") maps.service_buckets_ = std::move(*fd);
    else if (name == "source_buckets") maps.source_buckets_ = std::move(*fd);
  }
  if (!maps.xsks_map_.valid() || !maps.config_.valid() || !maps.mesh_v4_.valid() ||
      !maps.mesh_v6_.valid() || !maps.counters_.valid() || !maps.vips_.valid() ||
      !maps.maglev_.valid() || !maps.backends_.valid() || !maps.flows_.valid() ||
      !maps.service_limits_.valid() || !maps.service_buckets_.valid() || !maps.source_buckets_.valid()) {
    return fail("program " + std::to_string(program_id) +
                " is not xdp_gateway: one of its maps (xsks_map, gw_config, mesh_prefix_v4/v6,"
                " xdp_counters, vips, maglev, backends, flows, service_limits, service_buckets,"
                " source_buckets) is missing");
  }
  return maps;
}

BpfStatus XdpGatewayMaps::set_config(const GatewayConfig& config) {
  am_gw_config value = to_map_value(config);
  std::uint32_t key = 0;
  int rc = bpf_map_update_elem(config_.get(), &key, &value, BPF_ANY);
  if (rc != 0) return fail(bpf_error("update gw_config", rc));
  return Done{};
}

BpfStatus XdpGatewayMaps::set_mesh_prefixes(std::span<const IpPrefix> prefixes) {
  std::vector<am_lpm_v4_key> v4;
  std::vector<am_lpm_v6_key> v6;
  for (const auto& p : prefixes) {
    if (p.address.is_v4()) {
      if (p.length > 32) return fail("mesh prefix " + p.to_string() + ": length above 32");
      am_lpm_v4_key key{};
      key.prefixlen = p.length;
      std::memcpy(key.addr, p.address.bytes.data(), 4);
      v4.push_back(key);
    } else {
      if (p.length > 128) return fail("mesh prefix " + p.to_string() + ": length above 128");
      am_lpm_v6_key key{};
      key.prefixlen = p.length;
      std::memcpy(key.addr, p.address.bytes.data(), 16);
      v6.push_back(key);
    }
  }
  auto done = replace_prefixes(mesh_v4_.get(), v4, "mesh_prefix_v4");
  if (!done) return done;
  return replace_prefixes(mesh_v6_.get(), v6, "mesh_prefix_v6");
}

BpfStatus XdpGatewayMaps::set_backends(std::span<const XdpBackend> list) {
  std::vector<std::uint32_t> ids;
  for (const auto& b : list) {
    if (b.id >= AM_XDP_BACKENDS_MAX) return fail("backend id " + std::to_string(b.id) + " above the XDP limit");
    am_backend_value v{};
    std::memcpy(v.addr, b.address.bytes.data(), b.address.size());
    v.family = b.address.is_v4() ? AM_FAMILY_V4 : AM_FAMILY_V6;
    v.flags = static_cast<std::uint8_t>((b.healthy ? AM_BACKEND_F_HEALTHY : 0) | (b.local ? AM_BACKEND_F_LOCAL : 0));
    v.group_id = b.group_id;
    int rc = bpf_map_update_elem(backends_.get(), &b.id, &v, BPF_ANY);
    if (rc != 0) return fail(bpf_error("update backends", rc));
    ids.push_back(b.id);
  }
  for (auto old : backend_ids_) {
    if (std::find(ids.begin(), ids.end(), old) != ids.end()) continue;
    am_backend_value empty{};
    bpf_map_update_elem(backends_.get(), &old, &empty, BPF_ANY);
  }
  backend_ids_ = std::move(ids);
  return Done{};
}

BpfStatus XdpGatewayMaps::set_maglev(std::uint32_t service_id, std::span<const std::uint32_t> slots) {
  if (service_id >= AM_XDP_SERVICES_MAX) return fail("service id " + std::to_string(service_id) + " above the XDP limit");
  if (slots.empty()) return fail(std::string("empty Maglev table"));
  LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP);
  BpfFd table(bpf_map_create(BPF_MAP_TYPE_ARRAY, "maglev_service", sizeof(std::uint32_t), sizeof(std::uint32_t),
                             static_cast<std::uint32_t>(slots.size()), &opts));
  if (!table.valid()) return fail(bpf_error("create Maglev table", errno));
  for (std::uint32_t i = 0; i < slots.size(); ++i) {
    int rc = bpf_map_update_elem(table.get(), &i, &slots[i], BPF_ANY);
    if (rc != 0) return fail(bpf_error("fill Maglev table", rc));
  }
  int fd = table.get();
  int rc = bpf_map_update_elem(maglev_.get(), &service_id, &fd, BPF_ANY);
  if (rc != 0) return fail(bpf_error("install Maglev table", rc));
  return Done{};  // the outer map holds the table now; our fd closes
}

BpfStatus XdpGatewayMaps::remove_maglev(std::uint32_t service_id) {
  int rc = bpf_map_delete_elem(maglev_.get(), &service_id);
  if (rc != 0 && errno != ENOENT) return fail(bpf_error("remove Maglev table", rc));
  return Done{};
}

BpfStatus XdpGatewayMaps::set_vips(std::span<const XdpVip> list) {
  std::vector<am_vip_key> keys;
  for (const auto& vip : list) {
    am_vip_key key{};
    std::memcpy(key.addr, vip.address.bytes.data(), vip.address.size());
    key.port = vip.port;
    key.proto = vip.protocol;
    key.family = vip.address.is_v4() ? AM_FAMILY_V4 : AM_FAMILY_V6;
    am_vip_value value{};
    value.service_id = vip.service_id;
    value.table_size = vip.table_size;
    value.flags = (vip.local_only ? AM_VIP_F_LOCAL_ONLY : 0u) |
                  (vip.affinity_source_ip ? AM_VIP_F_AFFINITY_SOURCE_IP : 0u);
    if (vip.port_range) {
      if (vip.port != 0) return fail(std::string("a VIP port range needs port 0"));
      value.flags |= AM_VIP_F_PORT_RANGE;
      value.port_first = vip.port_range->first;
      value.port_last = vip.port_range->second;
    }
    int rc = bpf_map_update_elem(vips_.get(), &key, &value, BPF_ANY);
    if (rc != 0) return fail(bpf_error("update vips", rc));
    keys.push_back(key);
  }
  for (const auto& key : all_keys<am_vip_key>(vips_.get())) {
    bool keep = std::any_of(keys.begin(), keys.end(),
                            [&](const am_vip_key& k) { return std::memcmp(&k, &key, sizeof(k)) == 0; });
    if (!keep) bpf_map_delete_elem(vips_.get(), &key);
  }
  return Done{};
}

BpfStatus XdpGatewayMaps::set_service_limits(std::span<const XdpServiceLimits> list) {
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return fail(bpf_error("possible CPUs", cpus));
  const std::vector<am_token_bucket> empty_buckets(static_cast<std::size_t>(cpus));  // all zero: full on next use
  auto write = [&](std::uint32_t id, const am_service_limits& value) -> BpfStatus {
    am_service_limits old{};
    if (bpf_map_lookup_elem(service_limits_.get(), &id, &old) == 0 && std::memcmp(&old, &value, sizeof old) == 0) {
      return Done{};
    }
    int rc = bpf_map_update_elem(service_limits_.get(), &id, &value, BPF_ANY);
    if (rc != 0) return fail(bpf_error("update service_limits", rc));
    rc = bpf_map_update_elem(service_buckets_.get(), &id, empty_buckets.data(), BPF_ANY);
    if (rc != 0) return fail(bpf_error("reset service_buckets", rc));
    return Done{};
  };
  std::vector<std::uint32_t> ids;
  for (const auto& l : list) {
    if (l.service_id >= AM_XDP_SERVICES_MAX) {
      return fail("service id " + std::to_string(l.service_id) + " above the XDP limit");
    }
    if (l.source_prefix_v4 < 1 || l.source_prefix_v4 > 32 || l.source_prefix_v6 < 1 || l.source_prefix_v6 > 128) {
      return fail("service " + std::to_string(l.service_id) + ": source prefix length out of range");
    }
    auto done = write(l.service_id, to_map_value(l));
    if (!done) return done;
    ids.push_back(l.service_id);
  }
  for (auto old : limited_services_) {
    if (std::find(ids.begin(), ids.end(), old) != ids.end()) continue;
    auto done = write(old, am_service_limits{});
    if (!done) return done;
  }
  limited_services_ = std::move(ids);
  return Done{};
}

BpfStatus XdpGatewayMaps::clear_flows() {
  for (const auto& key : all_keys<am_flow_tuple>(flows_.get())) bpf_map_delete_elem(flows_.get(), &key);
  return Done{};
}

Result<XdpCounters, std::string> XdpGatewayMaps::counters() const {
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return fail(bpf_error("possible CPUs", cpus));
  std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(cpus));
  XdpCounters sums{};
  for (std::uint32_t i = 0; i < AM_XDP_COUNTER_COUNT; ++i) {
    int rc = bpf_map_lookup_elem(counters_.get(), &i, per_cpu.data());
    if (rc != 0) return fail(bpf_error("read xdp_counters", rc));
    for (auto v : per_cpu) sums[i] += v;
  }
  return sums;
}

}  // namespace anymesh::bpf
