// anymesh: the operator's command line: genkey and pubkey (byte-compatible with wg(8)); status and
// routes of one gateway over its control socket; status, routes, services, weights and drill
// asked of the controller over gRPC; bench runs the benchmark suite (bench/run of a source checkout).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/cli/controller_client.h"
#include "controlplane/cli/rotate_key.h"
#include "controlplane/cli/controller_tables.h"
#include "controlplane/cli/drill.h"
#include "dataplane/agent/control_socket.h"
#include "dataplane/agent/option_values.h"
#include "dataplane/wireguard/crypto.h"
#include "dataplane/wireguard/key.h"

namespace {

constexpr int kBadUsage = 2;

int usage(std::FILE* to) {
  std::fprintf(to,
               "Usage: anymesh COMMAND\n"
               "  genkey    print a new private key (base64, as wg genkey)\n"
               "  pubkey    read a private key on stdin, print its public key (as wg pubkey)\n"
               "  status [--socket PATH | --controller HOST:PORT]\n"
               "            one gateway's state (its control socket), or every gateway's session as the\n"
               "            controller sees it: versions sent/applied/acked, last Nack, session age\n"
               "  routes [--socket PATH | --controller HOST:PORT] [--gateway ID]\n"
               "            one gateway's routes, or the controller's route decisions per gateway\n"
               "  services [--controller HOST:PORT]\n"
               "            services and endpoint groups: weight, dial, drain, health\n"
               "  weights [--controller HOST:PORT] [--gateway ID]\n"
               "            effective endpoint-group shares (weight x dial x health, x latency) and route weights\n"
               "  rotate-key --gateway ID --public-key KEY [--controller HOST:PORT] [--wait SECONDS]\n"
               "            rotate a gateway's WireGuard key without loss, lane by lane, through the controller\n"
               "            (the gateway holds the new private key in next-private-key-file); waits until done\n"
               "  drill --region R [--controller HOST:PORT] [--duration SECONDS] [--loadgen-json FILE]\n"
               "            drain region R's endpoint groups (dial 0) for SECONDS (default 10), watch the\n"
               "            gateways acknowledge and their counters, restore, report\n"
               "  bench [--quick] [--no-lab] [--build-dir DIR] [--out DIR] ...\n"
               "            run the benchmark suite (bench/run of the source checkout, or $ANYMESH_BENCH_RUN);\n"
               "            anymesh bench --help lists its options\n"
               "status and routes ask the gateway at %s (or --socket) when that socket exists and neither\n"
               "--controller nor --gateway is given; otherwise the controller, %s by default.\n",
               anymesh::agent::kDefaultControlSocket, anymesh::cli::kDefaultController);
  return to == stderr ? kBadUsage : 0;
}

int genkey() {
  struct stat st {};
  if (::fstat(1, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IRWXO)) {
    std::fprintf(stderr, "Warning: writing private key to world accessible file.\n");
  }
  auto key = anymesh::wg::generate_private_key();
  std::printf("%s\n", anymesh::wg::key_to_base64(key).c_str());
  anymesh::wg::secure_zero(key);
  return 0;
}

int pubkey() {
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  // wg accepts the key with surrounding whitespace (a trailing newline from a file).
  auto first = input.find_first_not_of(" \t\r\n");
  auto last = input.find_last_not_of(" \t\r\n");
  std::string text = first == std::string::npos ? "" : input.substr(first, last - first + 1);
  auto key = anymesh::wg::key_from_base64(text);
  anymesh::wg::secure_zero(input.data(), input.size());
  if (!key) {
    std::fprintf(stderr, "anymesh pubkey: Key is not the correct length or format\n");
    return 1;
  }
  std::printf("%s\n", anymesh::wg::key_to_base64(anymesh::wg::public_key_of(*key)).c_str());
  anymesh::wg::secure_zero(*key);
  return 0;
}

// `anymesh status|routes --socket PATH`: the gateway's answer on stdout; an answer that is an
// error line goes to stderr and exits 1, as does a gateway that cannot be reached.
int ask_gateway(const std::string& command, const std::string& socket) {
  auto answer = anymesh::agent::query_control_socket(socket, command);
  if (!answer) {
    std::fprintf(stderr, "anymesh: cannot reach the gateway at %s: %s\n", socket.c_str(), answer.error().c_str());
    return 1;
  }
  if (answer->starts_with("error:")) {
    std::fprintf(stderr, "anymesh %s: the gateway answered: %s", command.c_str(), answer->c_str());
    return 1;
  }
  std::fwrite(answer->data(), 1, answer->size(), stdout);
  return 0;
}

struct CommandLine {
  std::optional<std::string> socket;
  std::optional<std::string> controller;
  std::uint32_t gateway = 0;
  std::string region;
  std::optional<double> duration_s;
  std::string loadgen_json;
};

// Options of the query commands; a problem is printed and nullopt returned (exit 2).
std::optional<CommandLine> parse_command_line(const std::string& command, int argc, char** argv) {
  CommandLine line;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    std::string name = arg, value;
    bool has_value = false;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    const bool known = name == "--socket" || name == "--controller" || name == "--gateway" || name == "--region" ||
                       name == "--duration" || name == "--loadgen-json";
    if (!known) {
      std::fprintf(stderr, "anymesh %s: unexpected argument '%s'\n", command.c_str(), arg.c_str());
      return std::nullopt;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "anymesh %s: %s needs a value\n", command.c_str(), name.c_str());
        return std::nullopt;
      }
      value = argv[++i];
    }
    if (name == "--socket") {
      line.socket = value;
    } else if (name == "--controller") {
      auto address = anymesh::agent::parse_host_port(value);
      if (!address) {
        std::fprintf(stderr, "anymesh %s: --controller: %s\n", command.c_str(), address.error().c_str());
        return std::nullopt;
      }
      line.controller = *address;
    } else if (name == "--gateway") {
      char* end = nullptr;
      const unsigned long id = std::strtoul(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || id == 0 || id > 0xffffffffUL) {
        std::fprintf(stderr, "anymesh %s: --gateway: '%s' is not a gateway id (1 .. 4294967295)\n", command.c_str(),
                     value.c_str());
        return std::nullopt;
      }
      line.gateway = static_cast<std::uint32_t>(id);
    } else if (name == "--region") {
      line.region = value;
    } else if (name == "--duration") {
      char* end = nullptr;
      const double seconds = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(seconds > 0 && seconds <= 3600)) {
        std::fprintf(stderr, "anymesh %s: --duration: '%s' is not a number of seconds in (0, 3600]\n",
                     command.c_str(), value.c_str());
        return std::nullopt;
      }
      line.duration_s = seconds;
    } else {
      line.loadgen_json = value;
    }
  }
  // Each command takes only its own options.
  const bool gateway_ok = command == "routes" || command == "weights";
  const bool socket_ok = command == "status" || command == "routes";
  const bool drill = command == "drill";
  if ((line.gateway != 0 && !gateway_ok) || (line.socket && !socket_ok) ||
      (!drill && (!line.region.empty() || line.duration_s || !line.loadgen_json.empty()))) {
    std::fprintf(stderr, "anymesh %s: an option of another command was given\n", command.c_str());
    return std::nullopt;
  }
  if (line.socket && (line.controller || line.gateway != 0)) {
    std::fprintf(stderr, "anymesh %s: --socket asks one gateway; --controller and --gateway ask the controller\n",
                 command.c_str());
    return std::nullopt;
  }
  if (drill && line.region.empty()) {
    std::fprintf(stderr, "anymesh drill: --region is required\n");
    return std::nullopt;
  }
  return line;
}

bool socket_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

int fail_with(const std::string& reason) {
  std::fprintf(stderr, "anymesh: %s\n", reason.c_str());
  return 1;
}

int ask_controller(const std::string& command, const CommandLine& line) {
  anymesh::cli::ControllerClient controller(line.controller.value_or(anymesh::cli::kDefaultController));
  if (command == "status") {
    auto status = controller.status();
    if (!status) return fail_with(status.error());
    auto counters = controller.counters();  // the applied column; an older controller lacks it
    anymesh::cli::print_status(stdout, *status, counters ? std::optional(*counters) : std::nullopt);
    return 0;
  }
  if (command == "routes") {
    auto routes = controller.routes(line.gateway);
    if (!routes) return fail_with(routes.error());
    anymesh::cli::print_routes(stdout, *routes);
    return 0;
  }
  if (command == "services") {
    auto services = controller.services();
    if (!services) return fail_with(services.error());
    anymesh::cli::print_services(stdout, *services);
    return 0;
  }
  if (command == "weights") {
    auto weights = controller.weights(line.gateway);
    if (!weights) return fail_with(weights.error());
    anymesh::cli::print_weights(stdout, *weights);
    return 0;
  }
  anymesh::cli::DrillOptions drill;
  drill.region = line.region;
  if (line.duration_s) drill.duration = std::chrono::milliseconds(static_cast<long long>(*line.duration_s * 1000));
  drill.loadgen_json = line.loadgen_json;
  return run_drill(controller, drill, stdout);
}

// anymesh rotate-key --gateway ID --public-key KEY [--controller HOST:PORT] [--wait SECONDS]
int rotate_key(int argc, char** argv) {
  anymesh::cli::RotateKeyOptions options;
  std::string controller = anymesh::cli::kDefaultController;
  bool have_key = false;
  for (int i = 2; i < argc; ++i) {
    std::string name = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "anymesh rotate-key: %s needs a value\n", name.c_str());
      return 2;
    }
    std::string value = argv[++i];
    if (name == "--gateway") {
      char* end = nullptr;
      const unsigned long id = std::strtoul(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || id == 0 || id > 0xffffffffUL) {
        std::fprintf(stderr, "anymesh rotate-key: --gateway: '%s' is not a gateway id\n", value.c_str());
        return 2;
      }
      options.gateway = static_cast<std::uint32_t>(id);
    } else if (name == "--public-key") {
      auto key = anymesh::wg::key_from_base64(value);
      if (!key) {
        std::fprintf(stderr, "anymesh rotate-key: --public-key: not a base64 key (44 characters, as wg pubkey prints)\n");
        return 2;
      }
      options.public_key = *key;
      have_key = true;
    } else if (name == "--controller") {
      auto address = anymesh::agent::parse_host_port(value);
      if (!address) {
        std::fprintf(stderr, "anymesh rotate-key: --controller: %s\n", address.error().c_str());
        return 2;
      }
      controller = *address;
    } else if (name == "--wait") {
      char* end = nullptr;
      const double seconds = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(seconds > 0 && seconds <= 3600)) {
        std::fprintf(stderr, "anymesh rotate-key: --wait: '%s' is not a number of seconds in (0, 3600]\n", value.c_str());
        return 2;
      }
      options.wait = std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
    } else {
      std::fprintf(stderr, "anymesh rotate-key: unexpected argument '%s'\n", name.c_str());
      return 2;
    }
  }
  if (options.gateway == 0 || !have_key) {
    std::fprintf(stderr, "anymesh rotate-key: --gateway and --public-key are required\n");
    return 2;
  }
  anymesh::cli::ControllerClient client(controller);
  return anymesh::cli::run_rotate_key(client, options, stdout);
}

int query(const std::string& command, int argc, char** argv) {
  auto line = parse_command_line(command, argc, argv);
  if (!line) return usage(stderr);
  if (command == "status" || command == "routes") {
    if (line->socket) return ask_gateway(command, *line->socket);
    if (!line->controller && line->gateway == 0 && socket_exists(anymesh::agent::kDefaultControlSocket)) {
      return ask_gateway(command, anymesh::agent::kDefaultControlSocket);
    }
  }
  return ask_controller(command, *line);
}

// anymesh bench [bench/run options]: replaces itself with bench/run, the suite's driver, which lives in
// the source tree (it needs the benchmark binaries of a build and the lab scripts next to it).
int bench(int argc, char** argv) {
  std::string run;
  if (const char* env = std::getenv("ANYMESH_BENCH_RUN"); env != nullptr && *env != '\0') {
    run = env;
  } else {
#ifdef ANYMESH_SOURCE_DIR
    const std::string in_tree = std::string(ANYMESH_SOURCE_DIR) + "/bench/run";
    if (::access(in_tree.c_str(), X_OK) == 0) run = in_tree;
#endif
  }
  if (run.empty()) {
    std::fprintf(stderr,
                 "anymesh bench: the benchmark suite runs from a source checkout, and this anymesh was not built "
                 "from one that still has bench/run; set ANYMESH_BENCH_RUN to a checkout's bench/run\n");
    return 1;
  }
  std::vector<char*> args{run.data()};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  ::execv(run.c_str(), args.data());
  std::fprintf(stderr, "anymesh bench: cannot run %s: %s\n", run.c_str(), std::strerror(errno));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(stderr);
  std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") return usage(stdout);
  if (cmd == "status" || cmd == "routes" || cmd == "services" || cmd == "weights" || cmd == "drill") {
    return query(cmd, argc, argv);
  }
  if (cmd == "rotate-key") return rotate_key(argc, argv);
  if (cmd == "bench") return bench(argc, argv);
  if (argc != 2) return usage(stderr);
  if (cmd == "genkey") return genkey();
  if (cmd == "pubkey") return pubkey();
  std::fprintf(stderr, "anymesh: unknown command '%s'\n", cmd.c_str());
  return usage(stderr);
}
