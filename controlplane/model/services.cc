// mesh.yaml `services`: VIP, protocol, ports, ingress limits, and per region an endpoint group with backends and a health check.
#include <charconv>
#include <set>

#include "controlplane/model/sections.h"
#include "dataplane/packet/ip_protocol.h"

namespace anymesh::model {

namespace {

std::optional<std::uint16_t> port_number(std::string_view t) {
  unsigned n = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (ec != std::errc{} || end != t.data() + t.size() || n == 0 || n > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(n);
}

// `port: 443` or `ports: 8000-8010`, exactly one of them.
std::optional<anycast::PortRange> read_ports(Mapping& m) {
  auto& d = m.diagnostics();
  if (m.has("port") == m.has("ports")) {
    d.add(m.node(), m.path("port"), "give exactly one of port and ports");
    return std::nullopt;
  }
  if (m.has("port")) {
    auto port = m.number("port", 1, 65535);
    if (!port) return std::nullopt;
    return anycast::PortRange::single(static_cast<std::uint16_t>(*port));
  }
  auto text = m.text("ports");
  if (!text) return std::nullopt;
  auto dash = text->find('-');
  std::optional<std::uint16_t> first, last;
  if (dash != std::string::npos) {
    first = port_number(std::string_view(*text).substr(0, dash));
    last = port_number(std::string_view(*text).substr(dash + 1));
  }
  if (!first || !last || *first > *last) {
    d.add(m.get("ports"), m.path("ports"), "\"" + *text + "\" is not a port range such as 8000-8010");
    return std::nullopt;
  }
  return anycast::PortRange{*first, *last};
}

HealthCheck read_health_check(const YAML::Node& node, const std::string& path, Diagnostics& d,
                              const anycast::PortRange& ports) {
  HealthCheck check;
  check.port = ports.first;
  if (!node.IsDefined()) return check;
  Mapping m(node, path, d, {"type", "interval_ms", "rise", "fall", "port", "path"});
  if (!m.valid()) return check;
  if (auto type = m.text("type", "tcp")) {
    if (*type == "tcp") {
      check.type = HealthCheckType::tcp;
    } else if (*type == "http") {
      check.type = HealthCheckType::http;
    } else if (*type == "udp") {
      check.type = HealthCheckType::udp;
    } else {
      d.add(m.get("type"), m.path("type"), "\"" + *type + "\" is not one of tcp, http, udp");
    }
  }
  if (auto ms = m.number("interval_ms", 10, 3'600'000, 1000)) check.interval = std::chrono::milliseconds(*ms);
  if (auto rise = m.number("rise", 1, 1000, 2)) check.rise = static_cast<std::uint32_t>(*rise);
  if (auto fall = m.number("fall", 1, 1000, 3)) check.fall = static_cast<std::uint32_t>(*fall);
  if (auto port = m.number("port", 1, 65535, ports.first)) check.port = static_cast<std::uint16_t>(*port);
  if (m.has("path") && check.type != HealthCheckType::http) {
    d.add(m.get("path"), m.path("path"), "only an http check has a path");
  } else if (auto p = m.text("path", "/")) {
    if (p->front() != '/') {
      d.add(m.get("path"), m.path("path"), "\"" + *p + "\" does not start with /");
    } else {
      check.path = *p;
    }
  }
  return check;
}

std::vector<anycast::Backend> read_backends(Mapping& group, Diagnostics& d, std::uint32_t& next_backend_id) {
  std::vector<anycast::Backend> backends;
  auto list = group.sequence("backends", true);
  if (!list) return backends;
  if (list->size() == 0) {
    d.add(*list, group.path("backends"), "lists no backend");
    return backends;
  }
  std::set<IpAddress> addresses;
  bool any_weight = false;
  bool weights_read = true;  // a refused weight already has its error; "all zero" would only echo it
  for (std::size_t i = 0; i < list->size(); ++i) {
    Mapping m((*list)[i], index_path(group.path("backends"), i), d, {"address", "weight"});
    if (!m.valid()) continue;
    anycast::Backend b;
    b.id = next_backend_id++;
    if (auto text = m.text("address")) {
      auto address = IpAddress::parse(*text);
      if (!address) {
        d.add(m.get("address"), m.path("address"), "\"" + *text + "\" is not an IP address");
      } else if (!addresses.insert(*address).second) {
        d.add(m.get("address"), m.path("address"), address->to_string() + " is listed twice in this group");
      } else {
        b.address = *address;
      }
    }
    if (auto weight = m.number("weight", 0, 255, 1)) {
      b.weight = static_cast<std::uint32_t>(*weight);
      any_weight = any_weight || b.weight > 0;
    } else {
      weights_read = false;
    }
    backends.push_back(b);
  }
  if (!backends.empty() && weights_read && !any_weight) d.add(*list, group.path("backends"), "every backend has weight 0");
  return backends;
}

void read_groups(Mapping& service, const std::vector<Region>& regions, ServiceModel& out,
                 std::uint32_t& next_backend_id) {
  auto& d = service.diagnostics();
  auto list = service.sequence("groups", true);
  if (!list) return;
  if (list->size() == 0) d.add(*list, service.path("groups"), "lists no endpoint group");
  std::set<std::string> seen_regions;
  for (std::size_t i = 0; i < list->size(); ++i) {
    Mapping m((*list)[i], index_path(service.path("groups"), i), d,
              {"region", "weight", "dial", "backends", "health_check"});
    if (!m.valid()) continue;
    anycast::EndpointGroup g;
    g.id = static_cast<std::uint16_t>(out.service.groups.size());
    if (auto region = m.text("region")) {
      if (!region_known(regions, *region)) {
        d.add(m.get("region"), m.path("region"), "unknown region \"" + *region + "\"");
      } else if (!seen_regions.insert(*region).second) {
        d.add(m.get("region"), m.path("region"), "region \"" + *region + "\" has another group in this service");
      }
      g.region = *region;
    }
    if (auto weight = m.number("weight", 0, 255, 128)) g.weight = static_cast<std::uint32_t>(*weight);
    if (auto dial = m.number("dial", 0, 100, 100)) g.dial_percent = static_cast<std::uint32_t>(*dial);
    g.backends = read_backends(m, d, next_backend_id);
    out.health_checks.push_back(read_health_check(m.get("health_check"), m.path("health_check"), d, out.service.ports));
    out.service.groups.push_back(std::move(g));
  }
}

// `limits:` (optional): each rate per second and per gateway; a burst defaults to its rate (one
// second's worth) and needs one.
anycast::ServiceLimits read_limits(const YAML::Node& node, const std::string& path, Diagnostics& d) {
  anycast::ServiceLimits out;
  if (!node.IsDefined()) return out;
  Mapping m(node, path, d,
            {"new_flows_per_second", "new_flows_burst", "source_new_flows_per_second", "source_new_flows_burst",
             "source_packets_per_second", "source_packets_burst", "source_prefix_v4", "source_prefix_v6"});
  if (!m.valid()) return out;
  constexpr std::uint64_t kMax = 4'000'000'000;
  auto pair = [&](const char* rate_key, const char* burst_key, std::uint32_t& rate, std::uint32_t& burst) {
    if (auto r = m.number(rate_key, 0, kMax, 0)) rate = static_cast<std::uint32_t>(*r);
    if (m.has(burst_key) && !m.has(rate_key)) {
      d.add(m.get(burst_key), m.path(burst_key), std::string("a burst needs ") + rate_key);
      return;
    }
    auto b = m.number(burst_key, 0, kMax, rate);
    if (!b) return;
    if (*b == 0 && rate != 0) {
      d.add(m.get(burst_key), m.path(burst_key),
            std::string("0 with ") + rate_key + " " + std::to_string(rate) + ": a rate needs a burst of at least 1");
      return;
    }
    burst = static_cast<std::uint32_t>(*b);
  };
  pair("new_flows_per_second", "new_flows_burst", out.new_flows_per_second, out.new_flows_burst);
  pair("source_new_flows_per_second", "source_new_flows_burst", out.source_new_flows_per_second, out.source_new_flows_burst);
  pair("source_packets_per_second", "source_packets_burst", out.source_packets_per_second, out.source_packets_burst);
  if (auto v4 = m.number("source_prefix_v4", 1, 32, 24)) out.source_prefix_v4 = static_cast<std::uint8_t>(*v4);
  if (auto v6 = m.number("source_prefix_v6", 1, 128, 64)) out.source_prefix_v6 = static_cast<std::uint8_t>(*v6);
  return out;
}

struct Placed {
  IpAddress vip;
  std::uint8_t protocol;
  anycast::PortRange ports;
  std::string field;
};

}  // namespace

std::vector<ServiceModel> read_services(Mapping& top, const std::vector<Region>& regions) {
  auto& d = top.diagnostics();
  std::vector<ServiceModel> services;
  auto list = top.sequence("services", false);
  if (!list) return services;
  std::set<std::string> names;
  std::vector<Placed> placed;
  std::uint32_t next_backend_id = 1;
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto here = index_path("services", i);
    Mapping m((*list)[i], here, d, {"name", "vip", "protocol", "port", "ports", "affinity", "groups", "limits"});
    if (!m.valid()) continue;
    ServiceModel out;
    auto& s = out.service;
    if (auto name = m.text("name")) {
      if (!names.insert(*name).second) d.add(m.get("name"), m.path("name"), "\"" + *name + "\" names another service");
      s.name = *name;
    }
    bool vip_ok = false;
    if (auto text = m.text("vip")) {
      auto vip = IpAddress::parse(*text);
      if (!vip) {
        d.add(m.get("vip"), m.path("vip"), "\"" + *text + "\" is not an IPv4 or IPv6 address");
      } else {
        s.vip = *vip;
        vip_ok = true;
      }
    }
    bool protocol_ok = false;
    if (auto protocol = m.text("protocol")) {
      if (*protocol == "tcp") {
        s.protocol = ip_protocol::tcp;
        protocol_ok = true;
      } else if (*protocol == "udp") {
        s.protocol = ip_protocol::udp;
        protocol_ok = true;
      } else {
        d.add(m.get("protocol"), m.path("protocol"), "\"" + *protocol + "\" is not one of tcp, udp");
      }
    }
    auto ports = read_ports(m);
    if (ports) s.ports = *ports;
    if (auto affinity = m.text("affinity", "none")) {
      if (*affinity == "none") {
        s.affinity = anycast::Affinity::none;
      } else if (*affinity == "source_ip") {
        s.affinity = anycast::Affinity::source_ip;
      } else {
        d.add(m.get("affinity"), m.path("affinity"), "\"" + *affinity + "\" is not one of none, source_ip");
      }
    }
    if (vip_ok && protocol_ok && ports) {
      auto field = m.path(m.has("port") ? "port" : "ports");
      for (const auto& other : placed) {
        if (other.vip == s.vip && other.protocol == s.protocol && other.ports.first <= ports->last &&
            ports->first <= other.ports.last) {
          d.add(m.get(m.has("port") ? "port" : "ports"), field,
                "overlaps " + other.field + " on the same VIP and protocol");
        }
      }
      placed.push_back({s.vip, s.protocol, *ports, field});
    }
    s.limits = read_limits(m.get("limits"), m.path("limits"), d);
    read_groups(m, regions, out, next_backend_id);
    services.push_back(std::move(out));
  }
  return services;
}

}  // namespace anymesh::model
