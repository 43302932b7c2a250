// libFuzzer harness: the mesh.yaml loader on arbitrary bytes must return errors that name a place
// and a reason (never throw), or a model whose every reference resolves.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "controlplane/model/loader.h"

namespace {

using namespace anymesh;
using namespace anymesh::model;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

void check_model(const Model& m) {
  std::set<std::string> regions;
  for (const auto& r : m.regions) require(regions.insert(r.name).second);
  std::set<std::uint32_t> ids;
  std::set<std::string> served;
  for (const auto& g : m.gateways) {
    require(g.id != 0 && ids.insert(g.id).second);
    require(regions.count(g.region) == 1);
    require(!g.endpoints.empty() && g.tunnel_address.is_v4());
    require(g.lanes >= 1 && g.lanes <= 16);
    served.insert(g.region);
  }
  require(served == regions);
  std::vector<anycast::Service> described;
  for (const auto& s : m.services) {
    require(s.health_checks.size() == s.service.groups.size());
    for (const auto& g : s.service.groups) require(regions.count(g.region) == 1);
    described.push_back(s.service);
  }
  require(anycast::ServiceTable::build(std::move(described)).ok());
  require(m.policy.hysteresis.min_improvement_fraction.numerator <=
          m.policy.hysteresis.min_improvement_fraction.denominator);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto loaded = load_model_text(text, "fuzz.yaml");
  if (!loaded) {
    require(!loaded.error().empty());
    for (const auto& e : loaded.error()) {
      require(e.file == "fuzz.yaml" && e.line >= 0 && !e.reason.empty());
    }
    return 0;
  }
  check_model(*loaded);
  return 0;
}
