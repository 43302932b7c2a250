// gateway.conf and flags: defaults, each bad value refused with one message naming its option,
// and the private key file checks.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "dataplane/agent/gateway_options.h"
#include "dataplane/wireguard/key.h"
#include "tests/unit/agent/temp_dir.h"

namespace anymesh::agent {
namespace {

// Any valid base64 X25519 key will do; this is the one the CLI's keys test uses.
const std::string kPrivateKey = "LO4sQqm7SYUN2S4kTvTDMtK/qTSwkn+9J3iSDD/+c2U=";
const std::string kControllerKey = "6cZWVNyy9PX+CY6OZtS6HB+HxJWfzaG2C9J4tIQVTV8=";

// A scratch directory with a key file and a config file holding only the required options.
struct Setup {
  test::TempDir dir;
  std::filesystem::path key = dir.write("private.key", kPrivateKey + "\n", 0600);
  std::string required = "gateway-id = 1\nregion = r1\nprivate-key-file = " + key.string() +
                         "\nouter-port = 0000:00:05.0\ninner-port = net_af_packet1,iface=am-in\n"
                         "snapshot = /etc/anymesh/snapshot.txtpb\n";

  Result<GatewayCommand, OptionsError> parse(const std::string& extra_config, std::vector<std::string> flags = {}) {
    auto config = dir.write("gateway.conf", required + extra_config);
    flags.insert(flags.begin(), {"--config", config.string()});
    return parse_gateway_options(flags);
  }
};

std::string message_of(const Result<GatewayCommand, OptionsError>& r) { return r ? "" : r.error().message; }

TEST_CASE("options left out take their documented defaults") {
  Setup setup;
  auto parsed = setup.parse("");
  INFO(message_of(parsed));
  REQUIRE(parsed);
  CHECK(parsed->mode == GatewayMode::run);
  const GatewayOptions& o = parsed->options;
  CHECK(o.gateway_id == 1);
  CHECK(o.region == "r1");
  CHECK(o.private_key.bytes() == *wg::key_from_base64(kPrivateKey));
  CHECK_FALSE(o.controller);
  CHECK(o.outer_port == PortSpec{PortKind::pci, "0000:00:05.0"});
  CHECK(o.inner_port == PortSpec{PortKind::vdev, "net_af_packet1,iface=am-in"});
  CHECK(o.lcores == std::vector<unsigned>{0, 1});
  CHECK(o.queues == 1);
  CHECK(o.lanes_per_peer == 1);
  CHECK(o.listen_port == 51820);
  CHECK(o.state_dir.string() == "/var/lib/anymesh");
  CHECK(o.metrics_address == *wg::Endpoint::parse("127.0.0.1:9100"));
  CHECK_FALSE(o.metrics_public);
  CHECK(o.probe == ProbeSettings{});
  CHECK(o.probe.interval == std::chrono::milliseconds(10));
  CHECK(o.probe.miss_threshold == 3);
  CHECK(o.probe.timeout == std::chrono::milliseconds(20));
  REQUIRE(o.snapshot_file);
  CHECK(o.snapshot_file->string() == "/etc/anymesh/snapshot.txtpb");
}

TEST_CASE("every option is read from the config file, and flags win over it") {
  Setup setup;
  auto parsed = setup.parse(
      "controller-address = controller.example:7443\ncontroller-public-key = " + kControllerKey +
          "\nlcores = 2,4-5\nqueues = 2\nlanes-per-peer = 4\nlisten-port = 40000\nstate-dir = /srv/am\n"
          "metrics-address = 0.0.0.0:9200\nmetrics-public = true\nprobe-interval-ms = 5\n"
          "probe-miss-threshold = 2\nprobe-recover-threshold = 7\nprobe-timeout-ms = 15\n",
      {"--check-config", "--region", "r2", "--queues", "2"});
  INFO(message_of(parsed));
  REQUIRE(parsed);
  const GatewayOptions& o = parsed->options;
  CHECK(parsed->mode == GatewayMode::check_config);
  CHECK(o.region == "r2");
  REQUIRE(o.controller);
  CHECK(o.controller->address == "controller.example:7443");
  CHECK(o.controller->public_key == *wg::key_from_base64(kControllerKey));
  CHECK(o.lcores == std::vector<unsigned>{2, 4, 5});
  CHECK(o.queues == 2);
  CHECK(o.lanes_per_peer == 4);
  CHECK(o.listen_port == 40000);
  CHECK(o.state_dir.string() == "/srv/am");
  CHECK(o.metrics_address == *wg::Endpoint::parse("0.0.0.0:9200"));
  CHECK(o.metrics_public);
  CHECK(o.probe.interval == std::chrono::milliseconds(5));
  CHECK(o.probe.miss_threshold == 2);
  CHECK(o.probe.recover_threshold == 7);
  CHECK(o.probe.timeout == std::chrono::milliseconds(15));
}

TEST_CASE("the data-plane options are read: outer address, wg interface, control socket, extra EAL arguments") {
  Setup setup;
  auto parsed = setup.parse("outer-address = 198.51.100.11\nwg-interface = amgw1\ncontrol-socket = /run/x/gw.sock\n"
                            "dpdk-args = --no-huge  -m 256\n");
  INFO(message_of(parsed));
  REQUIRE(parsed);
  const GatewayOptions& o = parsed->options;
  CHECK(o.outer_address == IpAddress::parse("198.51.100.11"));
  CHECK(o.wg_interface == "amgw1");
  CHECK(o.control_socket == "/run/x/gw.sock");
  CHECK(o.dpdk_args == std::vector<std::string>{"--no-huge", "-m", "256"});
}

TEST_CASE("asking for help needs neither a config file nor any other option") {
  auto parsed = parse_gateway_options({"--help", "--config", "/nonexistent/gateway.conf"});
  REQUIRE(parsed);
  CHECK(parsed->mode == GatewayMode::help);
}

TEST_CASE("the help text lists every option with its default") {
  const std::string help = gateway_options_help();
  for (const char* option :
       {"--check-config", "--config", "--gateway-id", "--region", "--private-key-file", "--controller-address",
        "--controller-public-key", "--outer-port", "--inner-port", "--lcores", "--queues", "--lanes-per-peer",
        "--listen-port", "--state-dir", "--metrics-address", "--metrics-public", "--probe-interval-ms",
        "--probe-miss-threshold", "--probe-recover-threshold", "--probe-timeout-ms", "--snapshot"}) {
    CHECK_THAT(help, Catch::Contains(option));
  }
  for (const char* shown : {"(=/etc/anymesh/gateway.conf)", "(=0-1)", "(=127.0.0.1:9100)", "(=10)", "(=3)",
                            "(=5)", "(=20)", "(=51820)", "(=/var/lib/anymesh)", "(=none)", "off by default"}) {
    CHECK_THAT(help, Catch::Contains(shown));
  }
}

struct BadValue {
  std::string option;
  std::string value;
  std::string problem;  // a part of the message
};

TEST_CASE("each bad value gives one message naming its option") {
  const BadValue cases[] = {
      {"gateway-id", "0", "between 1 and 4294967295"},
      {"gateway-id", "-1", "between 1 and 4294967295"},
      {"gateway-id", "4294967296", "between 1 and 4294967295"},
      {"gateway-id", "one", "got 'one'"},
      {"region", "r 1", "letters, digits"},
      {"controller-address", "controller", "not host:port"},
      {"controller-address", "192.0.2.1:0", "not host:port"},
      {"outer-port", "eth0", "neither a PCI address"},
      {"inner-port", "net_", "neither a PCI address"},
      {"inner-port", "0000:00:05.0", "the same device as --outer-port"},
      {"lcores", "0-200", "above 127"},
      {"lcores", "3-1", "runs backwards"},
      {"lcores", "0,0", "once each"},
      {"lcores", "0-3", "--queues 1 needs 2"},
      {"queues", "0", "between 1 and 64"},
      {"queues", "1.5", "got '1.5'"},
      {"lanes-per-peer", "17", "between 1 and 16"},
      {"listen-port", "0", "between 1 and 65535"},
      {"listen-port", "70000", "between 1 and 65535"},
      {"metrics-address", "localhost:9100", "not ip:port"},
      {"metrics-address", "192.0.2.1:9100", "not a loopback address"},
      {"probe-interval-ms", "0", "between 1 and 60000"},
      {"probe-miss-threshold", "0", "between 1 and 1000"},
      {"probe-recover-threshold", "1001", "between 1 and 1000"},
      {"probe-timeout-ms", "640", "not below 64 probe intervals"},
      {"probe-timeout-ms", "-5", "between 1 and 60000"},
      {"outer-address", "fd00::1", "not an IPv4 address"},
      {"outer-address", "198.51.100", "not an IPv4 address"},
      {"wg-interface", "a-name-longer-than-15", "at most 15 characters"},
      {"wg-interface", "a/b", "no '/'"},
  };
  for (const auto& c : cases) {
    SECTION(c.option + " = '" + c.value + "'") {
      Setup setup;
      // --option=value, so that a value starting with '-' is not taken for an option.
      std::vector<std::string> flags = {"--" + c.option + "=" + c.value};
      if (c.option == "controller-address") flags.insert(flags.end(), {"--controller-public-key", kControllerKey});
      auto parsed = setup.parse("", flags);
      REQUIRE_FALSE(parsed);
      const std::string& message = parsed.error().message;
      INFO(message);
      CHECK(message.rfind("--" + c.option + ": ", 0) == 0);
      CHECK_THAT(message, Catch::Contains(c.problem));
      CHECK(message.find('\n') == std::string::npos);
    }
  }
}

TEST_CASE("a bad value in the config file is reported like a bad flag") {
  Setup setup;
  auto parsed = setup.parse("queues = 0\n");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().message == "--queues: must be an integer between 1 and 64, got '0'");
}

TEST_CASE("options that depend on each other say which one is missing") {
  Setup setup;
  auto no_key = setup.parse("controller-address = 192.0.2.10:7443\n");
  REQUIRE_FALSE(no_key);
  CHECK_THAT(no_key.error().message, Catch::StartsWith("--controller-public-key: missing"));

  auto bad_key = setup.parse("controller-address = 192.0.2.10:7443\ncontroller-public-key = AAAA\n");
  REQUIRE_FALSE(bad_key);
  CHECK_THAT(bad_key.error().message, Catch::StartsWith("--controller-public-key: not a base64 ed25519"));

  Setup no_routes;
  no_routes.required = "gateway-id = 1\nregion = r1\nprivate-key-file = " + no_routes.key.string() +
                       "\nouter-port = 0000:00:05.0\ninner-port = 0000:00:06.0\n";
  auto parsed = no_routes.parse("");
  REQUIRE_FALSE(parsed);
  CHECK_THAT(parsed.error().message, Catch::StartsWith("--snapshot: neither --snapshot nor --controller-address"));

  auto with_controller = no_routes.parse("controller-address = [fd00::10]:7443\ncontroller-public-key = " +
                                         kControllerKey + "\n");
  INFO(message_of(with_controller));
  CHECK(with_controller);
}

TEST_CASE("a missing required option is named") {
  Setup setup;
  setup.required = "region = r1\n";
  auto parsed = setup.parse("");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().message == "--gateway-id: missing (required)");
}

TEST_CASE("the metrics-public option allows a metrics address beyond loopback") {
  Setup setup;
  CHECK_FALSE(setup.parse("", {"--metrics-address", "[fd00::1]:9100"}));
  auto parsed = setup.parse("", {"--metrics-address", "[fd00::1]:9100", "--metrics-public"});
  INFO(message_of(parsed));
  REQUIRE(parsed);
  CHECK(parsed->options.metrics_public);
  CHECK(setup.parse("", {"--metrics-address", "[::1]:9100"}));
}

TEST_CASE("unknown options, in the file or on the command line, are refused by name") {
  Setup setup;
  auto in_file = setup.parse("lanes = 2\n");
  REQUIRE_FALSE(in_file);
  CHECK_THAT(in_file.error().message, Catch::Contains("gateway.conf") && Catch::Contains("lanes"));

  auto flag = setup.parse("", {"--frobnicate"});
  REQUIRE_FALSE(flag);
  CHECK_THAT(flag.error().message, Catch::Contains("frobnicate"));
}

TEST_CASE("a missing config file is refused naming --config") {
  auto parsed = parse_gateway_options({"--check-config", "--config", "/nonexistent/gateway.conf"});
  REQUIRE_FALSE(parsed);
  CHECK_THAT(parsed.error().message, Catch::StartsWith("--config: cannot read /nonexistent/gateway.conf"));
}

TEST_CASE("a private key file readable by every user is refused") {
  Setup setup;
  ::chmod(setup.key.c_str(), 0644);
  auto parsed = setup.parse("");
  REQUIRE_FALSE(parsed);
  CHECK_THAT(parsed.error().message,
             Catch::StartsWith("--private-key-file: " + setup.key.string()) &&
                 Catch::Contains("accessible by every user (mode 0644)") && Catch::Contains("chmod 600"));
}

TEST_CASE("a private key file readable by its group only is accepted") {
  Setup setup;
  ::chmod(setup.key.c_str(), 0640);
  auto parsed = setup.parse("");
  INFO(message_of(parsed));
  CHECK(parsed);
}

TEST_CASE("a private key file must hold a base64 32-byte key") {
  for (const std::string& content : {std::string(""), std::string("not a key\n"),
                                    kPrivateKey.substr(0, 43) + "\n", std::string(300, 'A')}) {
    Setup setup;
    setup.dir.write("private.key", content, 0600);
    auto parsed = setup.parse("");
    REQUIRE_FALSE(parsed);
    INFO(parsed.error().message);
    CHECK_THAT(parsed.error().message, Catch::StartsWith("--private-key-file: "));
    CHECK((parsed.error().message.find("not a private key") != std::string::npos ||
           parsed.error().message.find("larger than a key file") != std::string::npos));
  }
}

TEST_CASE("a missing private key file is refused with the system's reason") {
  Setup setup;
  auto parsed = setup.parse("", {"--private-key-file", (setup.dir.path() / "absent.key").string()});
  REQUIRE_FALSE(parsed);
  CHECK_THAT(parsed.error().message, Catch::StartsWith("--private-key-file: ") &&
                                         Catch::Contains("cannot open: No such file or directory"));
}

}  // namespace
}  // namespace anymesh::agent
