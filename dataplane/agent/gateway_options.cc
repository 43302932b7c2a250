// gateway.conf and command-line parsing: Boost.Program_options tokenizes, our parsers check values.
#include "dataplane/agent/gateway_options.h"

#include <boost/program_options.hpp>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dataplane/agent/log_line.h"
#include "dataplane/agent/region_name.h"
#include "dataplane/probe/probe_constants.h"

namespace anymesh::agent {
namespace po = boost::program_options;
namespace {

constexpr unsigned kHelpWidth = 110;

// Values are declared as strings and parsed here: Boost's numeric casts accept "-1" for an
// unsigned (it wraps) and word their errors unlike ours.
po::typed_value<std::string>* text(const std::string& fallback, const char* shown = nullptr) {
  return po::value<std::string>()->default_value(fallback, shown ? shown : fallback);
}
po::typed_value<std::string>* required_text() { return po::value<std::string>(); }

po::options_description command_line_only() {
  po::options_description d("Command line only", kHelpWidth, kHelpWidth / 2);
  d.add_options()
      ("help,h", "print this list and exit")
      ("check-config", "read and check every option, the key file and the snapshot file, print a "
                       "one-line summary and exit: 0 when good, 2 with one message when not")
      ("config,c", text(kDefaultConfigFile), "INI file holding the options below; flags win over it");
  return d;
}

po::options_description gateway_settings() {
  const std::string interval = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  probe::kDefaultProbeInterval).count());
  const std::string timeout = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 probe::kDefaultProbeTimeout).count());
  po::options_description d("Gateway (command line or config file)", kHelpWidth, kHelpWidth / 2);
  d.add_options()
      ("gateway-id", required_text(), "required: this gateway's id in the mesh, 1 .. 4294967295")
      ("region", required_text(), "required: this gateway's region, e.g. r1")
      ("private-key-file", text("/etc/anymesh/private.key"),
       "X25519 private key, base64 as `wg genkey` writes it; must not be accessible by every user")
      ("next-private-key-file", text("", "none"),
       "key rotation: the next private key (wg genkey); may be absent until a rotation is prepared; lanes "
       "use it when the controller's snapshot names its public key; read again on SIGHUP")
      ("controller-address", text("", "none"),
       "controller gRPC address host:port; none: run from --snapshot alone")
      ("controller-public-key", text("", "none"),
       "pinned ed25519 key of the controller, base64 (32 bytes); required with --controller-address")
      ("outer-port", required_text(),
       "required: WAN-side port, a PCI address (0000:00:05.0) or a DPDK vdev (net_af_xdp0,iface=eth1)")
      ("inner-port", required_text(), "required: region-side port, same forms as --outer-port")
      ("lcores", text("0-1"), "EAL lcore list; the first is the main lcore, one worker per queue follows")
      ("queues", text("1"), "RX/TX queue pairs per port, 1 .. 64 (one worker lcore each)")
      ("lanes-per-peer", text("1"), "WireGuard sessions per peer gateway, 1 .. 16; 1 is plain WireGuard")
      ("listen-port", text("51820"), "UDP port of lane 0; lane i listens on listen-port + i")
      ("state-dir", text("/var/lib/anymesh"), "where the last good snapshot is persisted")
      ("outer-address", text("", "from the interface"),
       "IPv4 source address of tunnel packets; default: the first address of the outer port's kernel "
       "interface (vdevs with iface=); required for PCI ports")
      ("inner-address", text("", "from the interface"),
       "IPv4 source address of GUE packets to backends; default: the first address of the inner port's "
       "kernel interface, else --outer-address")
      ("bgp-control-socket", text("", "none"),
       "BIRD's control socket: the gateway announces each VIP it can serve and withdraws the others "
       "(needs --bgp-vips-file)")
      ("bgp-vips-file", text("", "none"),
       "the file BIRD includes in its IPv4 static protocol of VIPs; the gateway rewrites it")
      ("bgp-vips6-file", text("", "none"), "the same for IPv6 VIPs (an ipv6 static protocol)")
      ("log-level", text("info"), "error, warning, info or debug; read again on SIGHUP")
      ("wg-interface", text("anymesh0"),
       "name under which `wg show` finds the gateway (UAPI socket /var/run/wireguard/NAME.sock)")
      ("control-socket", text("/run/anymesh/gateway.sock"), "where `anymesh status` and `anymesh routes` ask")
      ("dpdk-args", text("", "none"),
       "extra EAL arguments, space-separated, appended last (e.g. --no-huge -m 256, or --log-level=8)")
      ("metrics-address", text("127.0.0.1:9100"), "Prometheus /metrics ip:port; loopback unless --metrics-public")
      ("metrics-public", po::bool_switch(),
       "off by default: allow a non-loopback --metrics-address (a switch; true in the config file)")
      ("probe-interval-ms", text(interval), "probe every lane of every peer this often, 1 .. 60000")
      ("probe-miss-threshold", text(std::to_string(probe::kDefaultMissesToDown)),
       "consecutive missed probes that take a lane down, 1 .. 1000")
      ("probe-recover-threshold", text(std::to_string(probe::kDefaultGoodsToUp)),
       "consecutive answered probes that bring a lane back up, 1 .. 1000")
      ("probe-timeout-ms", text(timeout), "an echo later than this is a miss; below 64 probe intervals")
      ("snapshot", text("", "none"),
       "GatewaySnapshot file to start from (binary protobuf, or text format if it ends in .txtpb)");
  return d;
}

struct Bad {
  std::string message;
};

Bad bad(const std::string& option, const std::string& problem) { return Bad{"--" + option + ": " + problem}; }

class Reader {
 public:
  explicit Reader(const po::variables_map& vm) : vm_(vm) {}

  bool has(const char* option) const { return vm_.count(option) != 0; }
  std::string get(const char* option) const { return has(option) ? vm_[option].as<std::string>() : std::string(); }
  bool flag(const char* option) const { return has(option) && vm_[option].as<bool>(); }

  std::string required(const char* option) const {
    if (!has(option) || get(option).empty()) throw bad(option, "missing (required)");
    return get(option);
  }

  std::int64_t integer(const char* option, std::int64_t low, std::int64_t high) const {
    const std::string value = get(option);
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc{} || p != value.data() + value.size() || n < low || n > high) {
      throw bad(option, "must be an integer between " + std::to_string(low) + " and " + std::to_string(high) +
                            ", got '" + value + "'");
    }
    return n;
  }

 private:
  const po::variables_map& vm_;
};

ControllerSettings read_controller(const Reader& in) {
  ControllerSettings controller;
  auto address = parse_host_port(in.get("controller-address"));
  if (!address) throw bad("controller-address", address.error());
  controller.address = *address;
  const std::string key = in.get("controller-public-key");
  if (key.empty()) throw bad("controller-public-key", "missing: required with --controller-address");
  auto parsed = parse_base64_key(key);
  if (!parsed) throw bad("controller-public-key", "not a base64 ed25519 public key (44 characters, 32 bytes)");
  controller.public_key = *parsed;
  return controller;
}

void read_probe(const Reader& in, ProbeSettings& probe) {
  probe.interval = std::chrono::milliseconds(in.integer("probe-interval-ms", 1, kMaxProbeIntervalMs));
  probe.miss_threshold = static_cast<unsigned>(in.integer("probe-miss-threshold", 1, kMaxProbeThreshold));
  probe.recover_threshold = static_cast<unsigned>(in.integer("probe-recover-threshold", 1, kMaxProbeThreshold));
  probe.timeout = std::chrono::milliseconds(in.integer("probe-timeout-ms", 1, kMaxProbeTimeoutMs));
  if (auto problem = check_probe_settings(probe)) {
    const char* option = "probe-timeout-ms";
    switch (problem->setting) {
      case ProbeSetting::interval: option = "probe-interval-ms"; break;
      case ProbeSetting::timeout: option = "probe-timeout-ms"; break;
      case ProbeSetting::miss_threshold: option = "probe-miss-threshold"; break;
      case ProbeSetting::recover_threshold: option = "probe-recover-threshold"; break;
    }
    throw bad(option, problem->problem);
  }
}

void read_ports_and_cores(const Reader& in, GatewayOptions& out) {
  auto outer = parse_port_spec(in.required("outer-port"));
  if (!outer) throw bad("outer-port", outer.error());
  auto inner = parse_port_spec(in.required("inner-port"));
  if (!inner) throw bad("inner-port", inner.error());
  if (*inner == *outer) throw bad("inner-port", "the same device as --outer-port");
  out.outer_port = *outer;
  out.inner_port = *inner;

  auto lcores = parse_lcore_list(in.get("lcores"));
  if (!lcores) throw bad("lcores", lcores.error());
  out.queues = static_cast<unsigned>(in.integer("queues", 1, kMaxQueues));
  if (lcores->size() != out.queues + 1) {
    throw bad("lcores", "lists " + std::to_string(lcores->size()) + " lcores; --queues " +
                            std::to_string(out.queues) + " needs " + std::to_string(out.queues + 1) +
                            " (the main lcore and one worker per queue)");
  }
  out.lcores = *lcores;
}

GatewayOptions read_options(const Reader& in, const std::string& config_file) {
  GatewayOptions out;
  out.config_file = config_file;
  if (!in.has("gateway-id")) throw bad("gateway-id", "missing (required)");
  out.gateway_id = static_cast<routing::GatewayId>(in.integer("gateway-id", 1, 4'294'967'295));
  out.region = in.required("region");
  if (!is_region_name(out.region)) throw bad("region", "'" + out.region + "' " + std::string(kRegionNameRule));

  out.private_key_file = in.required("private-key-file");
  auto key = read_private_key_file(out.private_key_file);
  if (!key) throw bad("private-key-file", key.error());
  out.private_key = *key;
  if (const std::string next = in.get("next-private-key-file"); !next.empty()) {
    // Absent until a rotation is prepared; present, it must be a good key file.
    std::error_code e;
    if (std::filesystem::exists(next, e)) {
      auto next_key = read_private_key_file(next);
      if (!next_key) throw bad("next-private-key-file", next_key.error());
    }
    out.next_private_key_file = next;
  }

  if (!in.get("controller-address").empty()) {
    out.controller = read_controller(in);
  } else if (!in.get("controller-public-key").empty() && !parse_base64_key(in.get("controller-public-key"))) {
    throw bad("controller-public-key", "not a base64 ed25519 public key (44 characters, 32 bytes)");
  }

  read_ports_and_cores(in, out);
  out.lanes_per_peer = static_cast<unsigned>(in.integer("lanes-per-peer", 1, probe::kMaxLanesPerPeer));
  out.listen_port = static_cast<std::uint16_t>(in.integer("listen-port", 1, 65535));
  if (out.listen_port + out.lanes_per_peer - 1 > 65535) {
    throw bad("listen-port", std::to_string(out.listen_port) + " + " + std::to_string(out.lanes_per_peer) +
                                 " lanes runs past port 65535");
  }
  out.state_dir = in.required("state-dir");
  if (const std::string outer = in.get("outer-address"); !outer.empty()) {
    auto address = IpAddress::parse(outer);
    if (!address || !address->is_v4()) throw bad("outer-address", "'" + outer + "' is not an IPv4 address");
    out.outer_address = *address;
  }
  if (const std::string inner = in.get("inner-address"); !inner.empty()) {
    auto address = IpAddress::parse(inner);
    if (!address || !address->is_v4()) throw bad("inner-address", "'" + inner + "' is not an IPv4 address");
    out.inner_address = *address;
  }
  if (!in.get("bgp-control-socket").empty()) {
    BgpSettings bgp;
    bgp.control_socket = in.get("bgp-control-socket");
    bgp.vips_file = in.get("bgp-vips-file");
    if (bgp.vips_file.empty()) throw bad("bgp-vips-file", "missing: required with --bgp-control-socket");
    if (!in.get("bgp-vips6-file").empty()) bgp.vips6_file = in.get("bgp-vips6-file");
    out.bgp = bgp;
  } else if (!in.get("bgp-vips-file").empty() || !in.get("bgp-vips6-file").empty()) {
    throw bad("bgp-control-socket", "missing: required with --bgp-vips-file");
  }
  if (auto level = parse_log_level(in.required("log-level"))) {
    out.log_level = *level;
  } else {
    throw bad("log-level", "'" + in.get("log-level") + "' is not one of error, warning, info, debug");
  }
  out.wg_interface = in.required("wg-interface");
  if (out.wg_interface.size() > 15 || out.wg_interface.find('/') != std::string::npos) {
    throw bad("wg-interface", "'" + out.wg_interface + "' is not an interface name (at most 15 characters, no '/')");
  }
  out.control_socket = in.required("control-socket");
  {
    std::istringstream words(in.get("dpdk-args"));
    for (std::string w; words >> w;) out.dpdk_args.push_back(w);
  }

  const std::string metrics = in.required("metrics-address");
  auto endpoint = wg::Endpoint::parse(metrics);
  if (!endpoint || endpoint->port == 0) throw bad("metrics-address", "'" + metrics + "' is not ip:port");
  out.metrics_address = *endpoint;
  out.metrics_public = in.flag("metrics-public");
  if (!out.metrics_public && !is_loopback(endpoint->address)) {
    throw bad("metrics-address", endpoint->to_string() +
                                     " is not a loopback address; add --metrics-public to serve /metrics beyond this host");
  }

  read_probe(in, out.probe);

  const std::string snapshot = in.get("snapshot");
  if (!snapshot.empty()) out.snapshot_file = snapshot;
  if (!out.snapshot_file && !out.controller) {
    throw bad("snapshot", "neither --snapshot nor --controller-address is set: the gateway would have no routes");
  }
  return out;
}

}  // namespace

std::string gateway_options_help() {
  std::ostringstream out;
  out << command_line_only() << "\n" << gateway_settings();
  return out.str();
}

Result<GatewayCommand, OptionsError> parse_gateway_options(const std::vector<std::string>& args) {
  po::options_description settings = gateway_settings();
  po::options_description all;
  all.add(command_line_only()).add(settings);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).run(), vm);
  } catch (const po::error& e) {
    return fail(OptionsError{e.what()});
  }
  if (vm.count("help")) return GatewayCommand{GatewayMode::help, {}};

  const std::string config_file = vm["config"].as<std::string>();
  std::ifstream file(config_file);
  if (!file) return fail(OptionsError{"--config: cannot read " + config_file + ": " + std::strerror(errno)});
  try {
    po::store(po::parse_config_file(file, settings), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return fail(OptionsError{config_file + ": " + e.what()});
  }

  try {
    GatewayCommand command;
    command.mode = vm.count("check-config") ? GatewayMode::check_config : GatewayMode::run;
    command.options = read_options(Reader(vm), config_file);
    command.options.command_line = args;
    return command;
  } catch (const Bad& e) {
    return fail(OptionsError{e.message});
  }
}

}  // namespace anymesh::agent
