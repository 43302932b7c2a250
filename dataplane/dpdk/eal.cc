// Starting and stopping DPDK's EAL from the gateway's options.
#include "dataplane/dpdk/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>

#include <stdexcept>
#include <string>

namespace anymesh::dpdk {

std::vector<std::string> eal_arguments(const agent::GatewayOptions& options) {
  std::vector<std::string> args{"anymesh-gateway"};
  std::string lcores;
  for (unsigned id : options.lcores) {
    if (!lcores.empty()) lcores += ",";
    lcores += std::to_string(id);
  }
  args.push_back("-l");
  args.push_back(lcores);
  args.push_back("--main-lcore");
  args.push_back(std::to_string(options.lcores.front()));
  bool any_pci = false;
  for (const auto* port : {&options.outer_port, &options.inner_port}) {
    if (port->kind == agent::PortKind::vdev) {
      args.push_back("--vdev");
    } else {
      args.push_back("-a");
      any_pci = true;
    }
    args.push_back(port->device);
  }
  if (!any_pci) args.push_back("--no-pci");
  // --in-memory keeps no runtime files, so several gateways share a host (the lab runs three);
  // it cannot be combined with --no-huge, where a per-gateway file prefix does the same.
  bool no_huge = false;
  for (const auto& a : options.dpdk_args) no_huge = no_huge || a == "--no-huge";
  if (no_huge) {
    args.push_back("--file-prefix");
    args.push_back("anymesh-gw" + std::to_string(options.gateway_id));
  } else {
    args.push_back("--in-memory");
  }
  args.insert(args.end(), options.dpdk_args.begin(), options.dpdk_args.end());
  return args;
}

Eal::Eal(const std::vector<std::string>& arguments) {
  std::vector<char*> argv;
  // rte_eal_init may permute argv; it keeps pointers into it, so the strings live as long as the EAL.
  static std::vector<std::string> kept;
  kept = arguments;
  for (auto& a : kept) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(kept.size()), argv.data()) < 0) {
    throw std::runtime_error(std::string("DPDK EAL did not start: ") + rte_strerror(rte_errno) +
                             " (see the EAL messages above)");
  }
}

Eal::~Eal() { rte_eal_cleanup(); }

}  // namespace anymesh::dpdk
