// mesh.yaml `gateways`: identity, region, WireGuard public key, outer endpoints, tunnel address, lanes.
#include <map>

#include "controlplane/model/sections.h"
#include "dataplane/wireguard/key.h"

namespace anymesh::model {

namespace {

// Uniqueness checks: value -> the field that used it first.
struct Seen {
  std::map<std::string, std::string> first;
  // False (and an error) when text was used before.
  bool claim(Diagnostics& d, const YAML::Node& at, const std::string& field, const std::string& what,
             const std::string& text) {
    auto [it, fresh] = first.emplace(text, field);
    if (!fresh) d.add(at, field, what + " is already used by " + it->second);
    return fresh;
  }
};

constexpr std::uint64_t kMaxLanes = 16;  // the snapshot allows 1 .. 16 lanes per peer

}  // namespace

std::vector<Gateway> read_gateways(Mapping& top, const std::vector<Region>& regions) {
  auto& d = top.diagnostics();
  std::vector<Gateway> gateways;
  auto list = top.sequence("gateways", true);
  if (!list) return gateways;
  Seen ids, keys, endpoints, tunnels;
  std::map<std::string, bool> region_served;
  bool all_read = true;
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto here = index_path("gateways", i);
    Mapping m((*list)[i], here, d, {"id", "region", "public_key", "endpoints", "tunnel_address", "lanes"});
    if (!m.valid()) {
      all_read = false;
      continue;
    }
    auto errors_before = d.count();
    Gateway g;
    if (auto id = m.number("id", 1, 0xffffffffu)) {
      if (ids.claim(d, m.get("id"), m.path("id"), "id " + std::to_string(*id), std::to_string(*id))) {
        g.id = static_cast<std::uint32_t>(*id);
      }
    }
    if (auto region = m.text("region")) {
      if (!region_known(regions, *region)) {
        d.add(m.get("region"), m.path("region"), "unknown region \"" + *region + "\"");
      } else {
        g.region = *region;
        region_served[*region] = true;
      }
    }
    if (auto text = m.text("public_key")) {
      auto key = wg::key_from_base64(*text);
      if (!key) {
        d.add(m.get("public_key"), m.path("public_key"), "is not a WireGuard key (base64 of 32 bytes, as wg pubkey prints)");
      } else if (keys.claim(d, m.get("public_key"), m.path("public_key"), "this key", *text)) {
        g.public_key = *key;
      }
    }
    if (auto list_node = m.sequence("endpoints", true)) {
      if (list_node->size() == 0) d.add(*list_node, m.path("endpoints"), "lists no endpoint");
      for (std::size_t e = 0; e < list_node->size(); ++e) {
        auto field = index_path(m.path("endpoints"), e);
        auto node = (*list_node)[e];
        auto text = scalar_text(node, field, d);
        if (!text) continue;
        auto endpoint = wg::Endpoint::parse(*text);
        if (!endpoint || endpoint->port == 0) {
          d.add(node, field, "\"" + *text + "\" is not an address and port such as 198.51.100.11:51820");
        } else if (endpoints.claim(d, node, field, "endpoint " + endpoint->to_string(), endpoint->to_string())) {
          g.endpoints.push_back(*endpoint);
        }
      }
    }
    if (auto text = m.text("tunnel_address")) {
      auto address = IpAddress::parse(*text);
      if (!address || !address->is_v4()) {
        d.add(m.get("tunnel_address"), m.path("tunnel_address"), "\"" + *text + "\" is not an IPv4 address");
      } else if (tunnels.claim(d, m.get("tunnel_address"), m.path("tunnel_address"),
                               "address " + address->to_string(), address->to_string())) {
        g.tunnel_address = *address;
      }
    }
    if (auto lanes = m.number("lanes", 1, kMaxLanes, 1)) g.lanes = static_cast<std::uint32_t>(*lanes);
    if (d.count() == errors_before) {
      gateways.push_back(std::move(g));
    } else {
      all_read = false;
    }
  }
  // Only meaningful when every gateway was read: a broken one may be the region's gateway.
  if (all_read) {
    for (std::size_t i = 0; i < regions.size(); ++i) {
      if (!region_served.count(regions[i].name)) {
        d.add(*list, "gateways", "no gateway serves region \"" + regions[i].name + "\"");
      }
    }
  }
  return gateways;
}

}  // namespace anymesh::model
