// anymesh-gateway: checks its configuration, or runs the DPDK data plane with its agent on the main lcore.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "dataplane/agent/gateway_options.h"
#include "dataplane/agent/snapshot_loader.h"
#ifdef ANYMESH_WITH_DPDK
#include "dataplane/gateway/agent_loop.h"
#endif

namespace {

using anymesh::agent::GatewayOptions;

constexpr int kBadConfig = 2;

int bad(const std::string& message) {
  std::fprintf(stderr, "anymesh-gateway: %s\n", message.c_str());
  return kBadConfig;
}

std::string lcore_text(const std::vector<unsigned>& lcores) {
  std::string out;
  for (unsigned id : lcores) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

int check_config(const GatewayOptions& options) {
  std::string snapshot = "no snapshot file";
  if (options.snapshot_file) {
    // The same loader and probe fallback the running gateway will use.
    auto loaded = anymesh::agent::load_own_snapshot_file(*options.snapshot_file, options.gateway_id, options.region,
                                                         options.probe);
    if (!loaded) return bad("--snapshot: " + loaded.error().to_string());
    snapshot = "snapshot v" + std::to_string(loaded->version()) + " (" + std::to_string(loaded->peers().size()) +
               " peers, " + std::to_string(loaded->lane_count()) + " lanes, " +
               std::to_string(loaded->routes().prefix_count()) + " prefixes)";
  }
  std::string controller = options.controller ? "controller " + options.controller->address : "no controller";
  std::printf("anymesh-gateway: config ok: gateway %u region %s, outer %s, inner %s, lcores %s, %u queue(s), "
              "%u lane(s) per peer from port %u, metrics %s, %s, %s\n",
              options.gateway_id, options.region.c_str(), options.outer_port.device.c_str(),
              options.inner_port.device.c_str(), lcore_text(options.lcores).c_str(), options.queues,
              options.lanes_per_peer, static_cast<unsigned>(options.listen_port), options.metrics_address.to_string().c_str(),
              controller.c_str(), snapshot.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto command = anymesh::agent::parse_gateway_options(std::vector<std::string>(argv + 1, argv + argc));
    if (!command) return bad(command.error().message);
    switch (command->mode) {
      case anymesh::agent::GatewayMode::help:
        std::printf(
            "Usage: anymesh-gateway [--check-config] [--config FILE] [OPTION...]\n"
            "Runs the gateway's DPDK data plane (or, with --check-config, only checks the options).\n"
            "Signals: SIGHUP reloads --snapshot; SIGINT/SIGTERM stop.\n\n%s",
            anymesh::agent::gateway_options_help().c_str());
        return 0;
      case anymesh::agent::GatewayMode::check_config:
        return check_config(command->options);
      case anymesh::agent::GatewayMode::run:
#ifdef ANYMESH_WITH_DPDK
        if (int rc = check_config(command->options); rc != 0) return rc;
        return anymesh::gateway::run_gateway(command->options);
#else
        std::fprintf(stderr, "anymesh-gateway: built without DPDK (ANYMESH_WITH_DPDK=OFF); use --check-config\n");
        return 1;
#endif
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anymesh-gateway: %s\n", e.what());
  }
  return 1;
}
