// anymesh_bpf_attached: drives XdpGatewayMaps::open_attached on an interface for xdp_gateway_attached.sh.
//   anymesh_bpf_attached IFNAME outer FIRST COUNT   role outer, tunnel ports [FIRST, FIRST+COUNT)
//   anymesh_bpf_attached IFNAME inner PREFIX...     role inner, these mesh prefixes (replacing the set)
//   anymesh_bpf_attached IFNAME counters            one "name value" line per counter
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bpf/loader/xdp_gateway_maps.h"

namespace {

int usage() {
  std::fprintf(stderr, "usage: anymesh_bpf_attached IFNAME outer FIRST COUNT | inner PREFIX... | counters\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace anymesh;
  using namespace anymesh::bpf;
  if (argc < 3) return usage();
  auto maps = XdpGatewayMaps::open_attached(argv[1]);
  if (!maps) {
    std::fprintf(stderr, "open_attached %s: %s\n", argv[1], maps.error().c_str());
    return 1;
  }
  std::string command = argv[2];
  if (command == "counters") {
    auto counters = maps->counters();
    if (!counters) {
      std::fprintf(stderr, "%s\n", counters.error().c_str());
      return 1;
    }
    for (std::uint32_t i = 0; i < AM_XDP_COUNTER_COUNT; ++i) {
      std::printf("%s %llu\n", std::string(xdp_counter_name(i)).c_str(),
                  static_cast<unsigned long long>((*counters)[i]));
    }
    return 0;
  }
  GatewayConfig config;
  std::vector<IpPrefix> prefixes;
  if (command == "outer" && argc == 5) {
    config.role = GatewayRole::outer;
    config.tunnel_port_first = static_cast<std::uint16_t>(std::atoi(argv[3]));
    config.tunnel_port_count = static_cast<std::uint16_t>(std::atoi(argv[4]));
  } else if (command == "inner") {
    config.role = GatewayRole::inner;
    for (int i = 3; i < argc; ++i) {
      auto p = IpPrefix::parse(argv[i]);
      if (!p) {
        std::fprintf(stderr, "bad prefix %s\n", argv[i]);
        return 2;
      }
      prefixes.push_back(*p);
    }
  } else {
    return usage();
  }
  auto done = maps->set_mesh_prefixes(prefixes);
  if (done) done = maps->set_config(config);
  if (!done) {
    std::fprintf(stderr, "%s\n", done.error().c_str());
    return 1;
  }
  std::printf("program %u configured\n", maps->program_id());
  return 0;
}
