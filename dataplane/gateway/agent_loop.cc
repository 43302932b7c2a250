// The agent loop: snapshot (re)loading, neighbour resolution, the UAPI socket, /metrics and the
// control socket, around the workers running on their lcores.
#include "dataplane/gateway/agent_loop.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <mutex>
#include <stdexcept>

#include "dataplane/agent/control_socket.h"
#include "dataplane/agent/controller_session.h"
#include "dataplane/agent/kernel_routes.h"
#include "dataplane/agent/lane_keys.h"
#include "dataplane/agent/log_line.h"
#include "dataplane/agent/metrics_server.h"
#include "dataplane/agent/snapshot_loader.h"
#include "dataplane/agent/snapshot_store.h"
#include "dataplane/dpdk/eal.h"
#include "dataplane/dpdk/port.h"
#include "dataplane/gateway/anycast_control.h"
#include "dataplane/gateway/neighbor_resolver.h"
#include "dataplane/gateway/xdp_prestage.h"
#include "dataplane/packet/bytes.h"
#include "dataplane/pipeline/gateway_runtime.h"
#include "dataplane/wireguard/uapi_server.h"

namespace anymesh::gateway {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};

void on_signal(int signal) {
  if (signal == SIGHUP) {
    g_reload = true;
  } else {
    g_stop = true;
  }
}

void log(agent::LogLevel level, const std::string& line) { agent::log_line(level, "anymesh-gateway", line); }
void log(const std::string& line) { log(agent::LogLevel::info, line); }
void warn(const std::string& line) { log(agent::LogLevel::warning, line); }

std::optional<std::uint32_t> optional_interface_ipv4(const std::string& name) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) throw std::runtime_error("getifaddrs failed");
  std::uint32_t found = 0;
  for (ifaddrs* i = list; i != nullptr && found == 0; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET || name != i->ifa_name) continue;
    found = ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr);
  }
  ::freeifaddrs(list);
  if (found == 0) return std::nullopt;
  return found;
}

std::uint32_t interface_ipv4(const std::string& name) {
  auto found = optional_interface_ipv4(name);
  if (!found) throw std::runtime_error("--outer-port: interface " + name + " has no IPv4 address; set --outer-address");
  return *found;
}

// The interface's MTU from sysfs; 1500 when it cannot be read.
std::uint16_t interface_mtu(const std::string& name) {
  std::ifstream in("/sys/class/net/" + name + "/mtu");
  unsigned mtu = 0;
  if (!(in >> mtu) || mtu < 576 || mtu > 65535) return 1500;
  return static_cast<std::uint16_t>(mtu);
}

// next-private-key-file, if configured and present (a bad file is an error of the start or reload).
std::optional<agent::PrivateKey> read_next_key(const agent::GatewayOptions& options) {
  std::error_code e;
  if (!options.next_private_key_file || !std::filesystem::exists(*options.next_private_key_file, e)) return std::nullopt;
  auto key = agent::read_private_key_file(*options.next_private_key_file);
  if (!key) throw std::runtime_error("--next-private-key-file: " + key.error());
  return *key;
}

std::shared_ptr<const agent::AppliedSnapshot> load_checked(const agent::GatewayOptions& options) {
  auto loaded = agent::load_own_snapshot_file(*options.snapshot_file, options.gateway_id, options.region, options.probe);
  if (!loaded) throw std::runtime_error("--snapshot: " + loaded.error().to_string());
  return std::make_shared<const agent::AppliedSnapshot>(std::move(*loaded));
}

int serve(const agent::GatewayOptions& configured) {
  agent::GatewayOptions options = configured;
  options.outer_port = with_xdp_program(options.outer_port, options.queues);
  options.inner_port = with_xdp_program(options.inner_port, options.queues);
  std::uint32_t outer_address = 0;
  auto outer_interface = dpdk::port_interface(options.outer_port);
  auto inner_interface = dpdk::port_interface(options.inner_port);
  if (options.outer_address) {
    outer_address = load_be32(options.outer_address->bytes.data());
  } else if (!outer_interface) {
    throw std::runtime_error("--outer-address: missing: required when --outer-port has no kernel interface (PCI)");
  } else {
    outer_address = interface_ipv4(*outer_interface);
  }
  std::error_code made;
  std::filesystem::create_directories(options.state_dir, made);
  if (made) throw std::runtime_error("--state-dir: cannot create " + options.state_dir.string() + ": " + made.message());
  std::filesystem::permissions(options.state_dir, std::filesystem::perms::owner_all, made);
  // Static stability: the last snapshot the controller pushed (persisted, signature checked
  // again), else the configured file; with neither the gateway waits for the controller.
  std::shared_ptr<const agent::AppliedSnapshot> snapshot;
  std::optional<v1::SignedSnapshot> last_good;
  if (options.controller) {
    auto stored = agent::load_stored_snapshot(options.state_dir, options.controller->public_key, options.gateway_id,
                                              options.probe);
    if (stored) {
      snapshot = stored->applied;
      last_good = stored->signed_snapshot;
      log("starting from the persisted snapshot v" + std::to_string(snapshot->version()));
    } else {
      warn("no usable persisted snapshot (" + stored.error().to_string() + ")");
    }
  }
  if (!snapshot && options.snapshot_file) snapshot = load_checked(options);

  // GUE to backends leaves from the inner port's address (the backends' gateway).
  std::uint32_t inner_address = outer_address;
  std::uint16_t inner_mtu = 1500;
  if (options.inner_address) {
    inner_address = load_be32(options.inner_address->bytes.data());
  } else if (inner_interface) {
    if (auto a = optional_interface_ipv4(*inner_interface)) inner_address = *a;
  }
  if (inner_interface) inner_mtu = interface_mtu(*inner_interface);

  dpdk::Eal eal(dpdk::eal_arguments(options));
  pipeline::GatewayRuntime runtime(options, outer_address, inner_address, inner_mtu);
  XdpPrestage xdp(options, outer_address);
  AnycastControl anycast(options.bgp);
  agent::KeyRing keys{options.private_key, read_next_key(options)};
  std::mutex publishing;  // the agent loop (SIGHUP, health) and the controller session publish
  auto publish_locked = [&](std::shared_ptr<const agent::AppliedSnapshot> next) {
    // Refused before anything changes when a lane wants a key this gateway does not hold.
    auto lane_keys = agent::lane_private_keys(*next, keys, options.lanes_per_peer);
    if (!lane_keys) throw std::runtime_error(lane_keys.error());
    // Health changes and key reloads republish the running snapshot: the XDP maps (VIPs, limits,
    // mesh prefixes) come from the snapshot alone and stay as they are then.
    const bool new_snapshot = next != runtime.snapshot();
    auto table = anycast.table_for(next);
    runtime.publish(next, table, std::move(*lane_keys));
    if (new_snapshot) xdp.apply(*next);
    if (auto line = anycast.announce(next.get(), table.get())) log(*line);
  };
  auto publish = [&](std::shared_ptr<const agent::AppliedSnapshot> next) {
    std::lock_guard lock(publishing);
    publish_locked(std::move(next));
  };
  if (snapshot) publish(snapshot);
  NeighborResolver resolver(outer_interface ? agent::interface_index(*outer_interface) : 0,
                            inner_interface ? agent::interface_index(*inner_interface) : 0);
  runtime.publish(resolver.build(snapshot.get(), false));
  runtime.start();
  if (snapshot) {
    log("forwarding with snapshot v" + std::to_string(snapshot->version()) + ", " +
        std::to_string(snapshot->peers().size()) + " peers, " + std::to_string(options.queues) + " worker(s)");
  } else {
    log("forwarding nothing until the controller sends a snapshot");
  }

  std::unique_ptr<agent::ControllerSession> session;
  if (options.controller) {
    agent::ControllerSessionConfig config;
    config.gateway_id = options.gateway_id;
    config.controller = *options.controller;
    config.state_dir = options.state_dir;
    config.probe_fallback = options.probe;
    session = std::make_unique<agent::ControllerSession>(
        config,
        [&](std::shared_ptr<const agent::AppliedSnapshot> next) -> std::optional<std::string> {
          try {
            publish(next);
          } catch (const std::exception& e) {
            return std::string("data plane refused it: ") + e.what();
          }
          log("applied snapshot v" + std::to_string(next->version()) + " from the controller");
          return std::nullopt;
        },
        [&runtime, &anycast](v1::Report& report) {
          runtime.fill_report(report);
          anycast.fill_report(report);
        },
        last_good);
    session->start();
    log("controller session to " + options.controller->address);
  }

  wg::UapiServer uapi(
      options.wg_interface,
      [](const wg::UapiSetRequest&) {
        warn("refused a UAPI set: the gateway's peers come from its snapshot");
        return EPERM;
      },
      [&runtime] { return runtime.uapi_state(); });
  agent::MetricsServer metrics(options.metrics_address, [&runtime, &xdp] { return runtime.metrics_text() + xdp.metrics_text(); },
                               options.metrics_public);
  metrics.start();
  auto session_text = [&session]() -> std::string {
    if (!session) return "controller: none (static snapshot)\n";
    auto st = session->status();
    return std::string("controller: ") + (st.connected ? "connected" : "not connected") + ", applied v" +
           std::to_string(st.applied_version) + ", " + std::to_string(st.acks) + " acks, " +
           std::to_string(st.nacks) + " nacks" + (st.last_nack.empty() ? "" : " (last: " + st.last_nack + ")") +
           ", " + std::to_string(st.reports) + " reports\n";
  };
  agent::ControlSocket control(options.control_socket, [&runtime, &session_text, &anycast](std::string_view command) -> std::string {
    if (command == "status") return runtime.status_text() + anycast.status_text() + session_text();
    if (command == "routes") return runtime.routes_text();
    if (command == "metrics") return runtime.metrics_text();
    return {};
  });
  control.start();

  auto next_neighbors = Clock::now();
  auto next_refresh = Clock::now() + 5s;
  auto next_announce = Clock::now() + 1s;
  std::string last_problems;
  while (!g_stop) {
    std::vector<pollfd> fds;
    for (int fd : uapi.poll_fds()) fds.push_back({fd, POLLIN, 0});
    for (int fd : uapi.write_fds()) fds.push_back({fd, POLLOUT, 0});
    ::poll(fds.data(), fds.size(), 10);
    for (const auto& p : fds) {
      if (p.revents & (POLLIN | POLLHUP | POLLERR)) uapi.on_readable(p.fd);
      if (p.revents & POLLOUT) uapi.on_writable(p.fd);
    }
    if (g_reload.exchange(false)) {
      // The log level, as the options (config file and flags) say now.
      if (auto again = agent::parse_gateway_options(options.command_line); again && again->mode == agent::GatewayMode::run) {
        if (again->options.log_level != agent::log_level()) {
          agent::set_log_level(again->options.log_level);
          log(agent::LogLevel::warning, "log level now " + std::string(agent::log_level_name(again->options.log_level)));
        }
      } else if (!again) {
        warn("SIGHUP: options not read again (" + again.error().message + "); log level unchanged");
      }
      // Key files first (a rotation's next key appears, or the rotated key becomes the current one).
      try {
        std::lock_guard lock(publishing);
        auto current = agent::read_private_key_file(options.private_key_file);
        if (!current) throw std::runtime_error("--private-key-file: " + current.error());
        agent::KeyRing reloaded{*current, read_next_key(options)};
        agent::KeyRing previous = keys;
        keys = reloaded;
        if (auto running = runtime.snapshot()) {
          try {
            publish_locked(running);
          } catch (...) {
            keys = previous;
            throw;
          }
        }
        log(std::string("keys reloaded") + (keys.next ? " (with a next key)" : ""));
      } catch (const std::exception& e) {
        warn(std::string("key reload refused, keeping the running keys: ") + e.what());
      }
      if (!options.snapshot_file) {
        log("SIGHUP: no --snapshot file to reload");
      } else {
        try {
          auto next = load_checked(options);
          publish(next);
          log("reloaded snapshot v" + std::to_string(next->version()));
        } catch (const std::exception& e) {
          warn(std::string("reload refused, keeping the running snapshot: ") + e.what());
        }
      }
    }
    if (anycast.health_changed()) {
      // A backend went healthy or unhealthy: the same snapshot with the new verdicts.
      std::lock_guard lock(publishing);
      if (auto current = runtime.snapshot()) {
        publish_locked(current);
        log("backend health changed; services republished");
      }
    }
    auto now = Clock::now();
    if (now >= next_announce) {
      next_announce = now + 1s;  // a failed announcement is retried from here
      if (auto line = anycast.announce(runtime.snapshot().get(), runtime.services().get())) log(*line);
    }
    auto misses = runtime.take_neighbor_misses();
    if (!misses.empty() || now >= next_neighbors) {
      resolver.add_misses(misses);
      bool refresh = now >= next_refresh;
      if (refresh) next_refresh = now + 5s;
      auto state = resolver.build(runtime.snapshot().get(), refresh);
      const auto* current = runtime.neighbors();
      if (current == nullptr || current->outer.entries() != state.outer.entries() ||
          current->inner.entries() != state.inner.entries()) {
        runtime.publish(std::move(state));
      }
      std::string problems;
      for (const auto& p : resolver.problems()) problems += p + "; ";
      if (problems != last_problems && !problems.empty()) warn("neighbours: " + problems);
      last_problems = problems;
      next_neighbors = now + (misses.empty() ? 200ms : 20ms);
    }
  }
  log("stopping");
  if (session) session->stop();
  control.stop();
  metrics.stop();
  runtime.stop();
  return 0;
}

}  // namespace

int run_gateway(const agent::GatewayOptions& options) {
  agent::set_log_level(options.log_level);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGHUP, &sa, nullptr);
  try {
    return serve(options);
  } catch (const std::exception& e) {
    log(agent::LogLevel::error, e.what());
    return 1;
  }
}

}  // namespace anymesh::gateway
