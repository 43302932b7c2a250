// mesh.yaml `regions`: names and LAN prefixes; a prefix belongs to one region only.
#include <map>

#include "controlplane/model/sections.h"

namespace anymesh::model {

namespace {

bool plain_name(const std::string& s) {
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return !s.empty() && s.size() <= 64;
}

// IpPrefix::parse quietly clears host bits; in a config they are a typo, so refuse them.
std::optional<IpPrefix> strict_prefix(const std::string& text, std::string& why) {
  auto prefix = IpPrefix::parse(text);
  if (!prefix) {
    why = "\"" + text + "\" is not a prefix such as 10.200.1.0/24";
    return std::nullopt;
  }
  auto slash = text.find('/');
  auto written = IpAddress::parse(std::string_view(text).substr(0, slash));
  if (!written || *written != prefix->address) {
    why = "\"" + text + "\" has host bits set (did you mean " + prefix->to_string() + "?)";
    return std::nullopt;
  }
  return prefix;
}

}  // namespace

bool region_known(const std::vector<Region>& regions, const std::string& name) {
  for (const auto& r : regions) {
    if (r.name == name) return true;
  }
  return false;
}

std::vector<Region> read_regions(Mapping& top) {
  auto& d = top.diagnostics();
  std::vector<Region> regions;
  auto list = top.sequence("regions", true);
  if (!list) return regions;
  if (list->size() == 0) d.add(*list, "regions", "lists no region");
  std::map<std::string, std::string> prefix_owner;  // prefix text -> field that listed it first
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto here = index_path("regions", i);
    Mapping m((*list)[i], here, d, {"name", "prefixes"});
    if (!m.valid()) continue;
    Region region;
    if (auto name = m.text("name")) {
      if (!plain_name(*name)) {
        d.add(m.get("name"), m.path("name"), "\"" + *name + "\" is not a name of letters, digits, - and _");
      } else if (region_known(regions, *name)) {
        d.add(m.get("name"), m.path("name"), "region \"" + *name + "\" is listed twice");
      } else {
        region.name = *name;
      }
    }
    auto prefixes = m.sequence("prefixes", false);
    for (std::size_t p = 0; prefixes && p < prefixes->size(); ++p) {
      auto field = index_path(m.path("prefixes"), p);
      auto node = (*prefixes)[p];
      auto text = scalar_text(node, field, d);
      if (!text) continue;
      std::string why;
      auto prefix = strict_prefix(*text, why);
      if (!prefix) {
        d.add(node, field, why);
        continue;
      }
      auto [it, fresh] = prefix_owner.emplace(prefix->to_string(), field);
      if (!fresh) {
        d.add(node, field, prefix->to_string() + " is already listed at " + it->second);
        continue;
      }
      region.prefixes.push_back(*prefix);
    }
    if (!region.name.empty()) regions.push_back(std::move(region));
  }
  return regions;
}

}  // namespace anymesh::model
