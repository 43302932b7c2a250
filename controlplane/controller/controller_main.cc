// anymesh-controller: loads mesh.yaml, steers on the gateways' reports, pushes signed snapshots;
// `genkey` / `pubkey` manage its ed25519 signing key.
#include <signal.h>
#include <sys/stat.h>

#include <memory>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <filesystem>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "controlplane/model/loader.h"
#include "controlplane/server/controller_server.h"
#include "controlplane/server/mesh_controller.h"
#include "controlplane/server/snapshot_compiler.h"
#include "controlplane/server/snapshot_signer.h"
#include "dataplane/agent/option_values.h"
#include "dataplane/wireguard/key.h"

namespace {

namespace po = boost::program_options;
using namespace anymesh;

constexpr int kBadUsage = 2;
constexpr const char* kDefaultMesh = "/etc/anymesh/mesh.yaml";
constexpr const char* kDefaultListen = "127.0.0.1:7443";
constexpr const char* kDefaultStateDir = "/var/lib/anymesh-controller";
constexpr const char* kDefaultKeyName = "signing.key";
// Reports arrive every second from every gateway: new snapshots are compiled at most this often
// (a drain from `anymesh drill` is compiled at once).
constexpr std::chrono::milliseconds kRefreshPeriod{200};

// A problem with the command line, naming the option ("--listen: ..."): exit code 2.
struct BadOption : std::runtime_error {
  explicit BadOption(const std::string& message) : std::runtime_error(message) {}
  BadOption(const std::string& option, const std::string& problem)
      : std::runtime_error("--" + option + ": " + problem) {}
};

struct ControllerOptions {
  std::string command;  // "run", "genkey", "pubkey", "help"
  std::string mesh;
  std::string listen;
  std::filesystem::path state_dir;
  std::filesystem::path signing_key;
  std::filesystem::path previous_signing_key;  // signing-key rotation: endorses signing_key
};

po::options_description option_list() {
  po::options_description d("Options");
  d.add_options()
      ("help,h", "print this help")
      ("mesh", po::value<std::string>()->default_value(kDefaultMesh), "the mesh description (mesh.yaml)")
      ("listen", po::value<std::string>()->default_value(kDefaultListen),
       "gRPC address host:port the gateways (and `anymesh status`) connect to")
      ("state-dir", po::value<std::string>()->default_value(kDefaultStateDir),
       "where the versions issued per gateway survive a restart (created 0700 if missing)")
      ("signing-key", po::value<std::string>(),
       "ed25519 signing key file, base64 seed as `genkey` writes it (default: STATE_DIR/signing.key)")
      ("previous-signing-key", po::value<std::string>(),
       "signing-key rotation: the key gateways may still pin; it endorses --signing-key in every snapshot, "
       "so they accept the new key without a restart (docs/runbooks/key-rotation.md)");
  return d;
}

std::string usage() {
  std::string text =
      "Usage: anymesh-controller [--mesh FILE] [--listen HOST:PORT] [--state-dir DIR] [--signing-key FILE]\n"
      "       anymesh-controller genkey --signing-key FILE   write a new signing key, print its public key\n"
      "       anymesh-controller pubkey --signing-key FILE   print the public key (gateway.conf\n"
      "                                                      controller-public-key)\n\n";
  std::ostringstream options;
  options << option_list();
  return text + options.str();
}

ControllerOptions parse_options(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  ControllerOptions out;
  out.command = "run";
  if (!args.empty() && (args[0] == "genkey" || args[0] == "pubkey")) {
    out.command = args[0];
    args.erase(args.begin());
  }
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(option_list()).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    // Boost names the option: "the required argument for option '--listen' is missing".
    throw BadOption(e.what());
  }
  if (vm.count("help")) {
    out.command = "help";
    return out;
  }
  out.mesh = vm["mesh"].as<std::string>();
  auto listen = agent::parse_host_port(vm["listen"].as<std::string>());
  if (!listen) throw BadOption("listen", listen.error());
  out.listen = *listen;
  out.state_dir = vm["state-dir"].as<std::string>();
  if (out.state_dir.empty()) throw BadOption("state-dir", "must not be empty");
  if (vm.count("signing-key")) {
    out.signing_key = vm["signing-key"].as<std::string>();
    if (out.signing_key.empty()) throw BadOption("signing-key", "must not be empty");
  } else if (out.command != "run") {
    throw BadOption("signing-key", "required with " + out.command);
  }
  if (vm.count("previous-signing-key")) {
    out.previous_signing_key = vm["previous-signing-key"].as<std::string>();
    if (out.previous_signing_key.empty()) throw BadOption("previous-signing-key", "must not be empty");
  }
  return out;
}

int genkey(const ControllerOptions& options) {
  auto key = server::write_new_signing_key_file(options.signing_key);
  if (!key) throw BadOption("signing-key", key.error());
  std::printf("%s\n", wg::key_to_base64(key->public_key()).c_str());
  return 0;
}

int pubkey(const ControllerOptions& options) {
  auto key = server::read_signing_key_file(options.signing_key);
  if (!key) throw BadOption("signing-key", key.error());
  std::printf("%s\n", wg::key_to_base64(key->public_key()).c_str());
  return 0;
}

void prepare_state_dir(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw BadOption("state-dir", dir.string() + ": " + error.message());
  if (!std::filesystem::is_directory(dir, error)) throw BadOption("state-dir", dir.string() + ": not a directory");
  ::chmod(dir.c_str(), 0700);
}

// The key named on the command line must exist; the default one in the state dir is made on first start.
server::SigningKey signing_key(const ControllerOptions& options) {
  auto path = options.signing_key;
  if (path.empty()) {
    path = options.state_dir / kDefaultKeyName;
    if (!std::filesystem::exists(path)) {
      auto made = server::write_new_signing_key_file(path);
      if (!made) throw BadOption("signing-key", made.error());
      std::fprintf(stderr, "anymesh-controller: new signing key %s, public key %s\n", path.c_str(),
                   wg::key_to_base64(made->public_key()).c_str());
      return *made;
    }
  }
  auto key = server::read_signing_key_file(path);
  if (!key) {
    throw BadOption("signing-key", key.error() + " (anymesh-controller genkey --signing-key FILE makes one)");
  }
  return *key;
}

model::Model load_mesh(const std::string& path) {
  auto loaded = model::load_model_file(path);
  if (!loaded) {
    std::string all;
    for (const auto& error : loaded.error()) all += "\n  " + error.to_string();
    throw BadOption("mesh", path + ": " + std::to_string(loaded.error().size()) + " error(s):" + all);
  }
  if (auto problem = server::snapshot_limits_problem(*loaded)) throw BadOption("mesh", path + ": " + *problem);
  return *loaded;
}

int run(const ControllerOptions& options) {
  // Before gRPC starts its threads, so only sigtimedwait below takes these.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const model::Model mesh = load_mesh(options.mesh);
  prepare_state_dir(options.state_dir);
  server::SigningKey key = signing_key(options);

  server::MeshControllerConfig config;
  if (!options.previous_signing_key.empty()) {
    auto previous = server::read_signing_key_file(options.previous_signing_key);
    if (!previous) throw BadOption("previous-signing-key", previous.error());
    if (previous->public_key() == key.public_key()) {
      throw BadOption("previous-signing-key", "the same key as --signing-key");
    }
    config.endorsement = server::endorse(*previous, key.public_key());
    std::fprintf(stderr, "anymesh-controller: snapshots carry %s's endorsement of the signing key\n",
                 wg::key_to_base64(previous->public_key()).c_str());
  }
  std::unique_ptr<server::MeshController> controller;
  try {
    controller = std::make_unique<server::MeshController>(mesh, key, options.state_dir, config);
  } catch (const std::runtime_error& e) {
    throw BadOption("state-dir", e.what());
  }
  server::ControllerServer grpc_server(
      controller->ledger(),
      [&](server::GatewayId id, const v1::Report& report) { controller->on_report(id, report); }, controller.get());
  try {
    grpc_server.start(options.listen);
  } catch (const std::runtime_error& e) {
    throw BadOption("listen", e.what());
  }
  std::fprintf(stderr, "anymesh-controller: %zu gateways, listening on %s, public key %s\n", mesh.gateways.size(),
               options.listen.c_str(), wg::key_to_base64(key.public_key()).c_str());

  const timespec period{0, static_cast<long>(std::chrono::nanoseconds(kRefreshPeriod).count())};
  for (;;) {
    int signal = sigtimedwait(&stop_signals, nullptr, &period);
    if (signal == SIGINT || signal == SIGTERM) break;
    controller->refresh();
  }
  std::fprintf(stderr, "anymesh-controller: stopping\n");
  grpc_server.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto options = parse_options(argc, argv);
    if (options.command == "help") {
      std::printf("%s", usage().c_str());
      return 0;
    }
    if (options.command == "genkey") return genkey(options);
    if (options.command == "pubkey") return pubkey(options);
    return run(options);
  } catch (const BadOption& e) {
    std::fprintf(stderr, "anymesh-controller: %s\n", e.what());
    return kBadUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anymesh-controller: %s\n", e.what());
    return 1;
  }
}
