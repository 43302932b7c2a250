// GatewayOptions: gateway.conf and the command line (Boost.Program_options), checked into typed
// values, or one message naming the first bad option.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/agent/key_file.h"
#include "dataplane/agent/log_line.h"
#include "dataplane/agent/option_values.h"
#include "dataplane/agent/probe_settings.h"
#include "dataplane/packet/result.h"
#include "dataplane/routing/routing_limits.h"
#include "dataplane/wireguard/crypto.h"
#include "dataplane/wireguard/endpoint.h"

namespace anymesh::agent {

inline constexpr const char* kDefaultConfigFile = "/etc/anymesh/gateway.conf";
inline constexpr unsigned kMaxQueues = 64;

struct ControllerSettings {
  std::string address;  // gRPC target, host:port
  wg::Key public_key{};  // pinned ed25519 key: snapshots signed by anything else are refused
};

// Announcing VIPs through the BIRD next to the gateway (see BgpAnnouncer).
struct BgpSettings {
  std::filesystem::path control_socket;
  std::filesystem::path vips_file;
  std::filesystem::path vips6_file;  // empty: IPv6 VIPs are not announced
};

struct GatewayOptions {
  std::filesystem::path config_file;
  routing::GatewayId gateway_id = 0;
  std::string region;
  std::filesystem::path private_key_file;
  PrivateKey private_key{wg::Key{}};
  std::optional<std::filesystem::path> next_private_key_file;  // key rotation; read again on SIGHUP
  std::optional<ControllerSettings> controller;  // none: static, from the snapshot file only
  PortSpec outer_port;
  PortSpec inner_port;
  std::vector<unsigned> lcores;  // the first is the main lcore (the agent), one worker per queue
  unsigned queues = 1;
  unsigned lanes_per_peer = 1;
  std::uint16_t listen_port = 51820;  // lane i listens on listen_port + i
  std::filesystem::path state_dir;
  std::optional<IpAddress> outer_address;  // none: ask the outer port's kernel interface
  std::optional<IpAddress> inner_address;  // none: the inner port's kernel interface, else outer
  std::optional<BgpSettings> bgp;          // none: VIPs are not announced by the gateway
  std::string wg_interface = "anymesh0";
  std::filesystem::path control_socket = "/run/anymesh/gateway.sock";
  std::vector<std::string> dpdk_args;
  wg::Endpoint metrics_address;
  bool metrics_public = false;
  ProbeSettings probe;
  std::optional<std::filesystem::path> snapshot_file;
  LogLevel log_level = LogLevel::info;
  std::vector<std::string> command_line;  // as given (SIGHUP reads the options again from it)
};

enum class GatewayMode : std::uint8_t {
  help,          // print the option list; options are not read
  check_config,  // read and check everything, run nothing
  run,
};

struct GatewayCommand {
  GatewayMode mode = GatewayMode::run;
  GatewayOptions options;  // complete unless mode is help
};

struct OptionsError {
  std::string message;  // one line, starting with the option: "--queues: must be between 1 and 64, got 0"
};

// args excludes the program name. Options on the command line win over the config file. Reads
// the config file and the private key file; nothing else.
Result<GatewayCommand, OptionsError> parse_gateway_options(const std::vector<std::string>& args);

// Every option with its default, for --help.
std::string gateway_options_help();

}  // namespace anymesh::agent
