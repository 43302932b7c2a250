// A broken mesh.yaml yields no model and every error, each naming file, line and field.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "controlplane/model/loader.h"

using namespace anymesh::model;

namespace {

// A valid mesh, one field per line, so a test can swap one line and know where the error points.
const std::vector<std::string> kValid = {
    "regions:",                                                         // 1
    "  - name: r1",                                                     // 2
    "    prefixes: [10.200.1.0/24]",                                    // 3
    "  - name: r2",                                                     // 4
    "    prefixes: [10.200.2.0/24]",                                    // 5
    "gateways:",                                                        // 6
    "  - id: 1",                                                        // 7
    "    region: r1",                                                   // 8
    "    public_key: x7XGpsWZbTBiEttI8xR5zrg/yIsgA3JKcGgfDezWky4=",     // 9
    "    endpoints: [\"198.51.100.11:51820\"]",                         // 10
    "    tunnel_address: 10.200.0.1",                                   // 11
    "  - id: 2",                                                        // 12
    "    region: r2",                                                   // 13
    "    public_key: axcDY/XrR9CjFkcSwTGYr44+9PaVCYWPZeX56tKwcjI=",     // 14
    "    endpoints: [\"198.51.100.12:51820\"]",                         // 15
    "    tunnel_address: 10.200.0.2",                                   // 16
    "services:",                                                        // 17
    "  - name: web",                                                    // 18
    "    vip: 203.0.113.10",                                            // 19
    "    protocol: tcp",                                                // 20
    "    port: 80",                                                     // 21
    "    groups:",                                                      // 22
    "      - region: r1",                                               // 23
    "        weight: 128",                                              // 24
    "        dial: 100",                                                // 25
    "        backends:",                                                // 26
    "          - address: 10.200.1.11",                                 // 27
    "            weight: 1",                                            // 28
    "        health_check: { type: tcp, interval_ms: 500 }",            // 29
    "policy:",                                                          // 30
    "  probe: { interval_ms: 10, miss_threshold: 3 }",                  // 31
    "  hysteresis: { min_improvement_fraction: 1/3 }",                  // 32
    "  relay: off",                                                     // 33
};

std::string join(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  return text;
}

// kValid with the given 1-based lines replaced.
std::string with(std::vector<std::pair<int, std::string>> changes) {
  auto lines = kValid;
  for (auto& [line, text] : changes) lines.at(static_cast<std::size_t>(line - 1)) = text;
  return join(lines);
}

ModelErrors refused(const std::string& text) {
  auto loaded = load_model_text(text, "mesh.yaml");
  REQUIRE_FALSE(loaded.ok());
  return loaded.error();
}

// The one error of text, which must be about field on line.
ModelError only_error(const std::string& text, const std::string& field, int line) {
  auto errors = refused(text);
  for (const auto& e : errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].file == "mesh.yaml");
  CHECK(errors[0].field == field);
  CHECK(errors[0].line == line);
  return errors[0];
}

}  // namespace

TEST_CASE("the valid base of these refusal tests loads") {
  auto loaded = load_model_text(join(kValid), "mesh.yaml");
  REQUIRE(loaded.ok());
  CHECK_FALSE(loaded->policy.relay);
  CHECK(loaded->services[0].health_checks[0].interval == std::chrono::milliseconds(500));
}

TEST_CASE("an error prints as file, line, field and reason") {
  auto e = only_error(with({{13, "    region: r9"}}), "gateways[1].region", 13);
  CHECK(e.to_string() == "mesh.yaml:13: gateways[1].region: unknown region \"r9\"");
}

TEST_CASE("an unknown key is refused where it is written, at any depth") {
  only_error(with({{11, "    tunnel_address: 10.200.0.1\n    lanse: 2"}}), "gateways[0].lanse", 12);
  only_error(with({{25, "        dail: 100"}}), "services[0].groups[0].dail", 25);
  only_error(with({{33, "  relays: off"}}), "policy.relays", 33);
  only_error(join(kValid) + "extra: 1\n", "extra", 34);
}

TEST_CASE("a key given twice is refused") {
  auto lines = kValid;
  lines.insert(lines.begin() + 8, "    region: r2");  // becomes line 9, after region: r1
  only_error(join(lines), "gateways[0].region", 9);
}

TEST_CASE("a required field that is missing is reported at its mapping") {
  only_error(with({{11, "    lanes: 2"}}), "gateways[0].tunnel_address", 7);
}

TEST_CASE("region prefixes with host bits set, unparsable or listed twice are refused") {
  only_error(with({{3, "    prefixes: [10.200.1.1/24]"}}), "regions[0].prefixes[0]", 3);
  only_error(with({{3, "    prefixes: [10.200.1.0/33]"}}), "regions[0].prefixes[0]", 3);
  only_error(with({{5, "    prefixes: [10.200.2.0/24, 10.200.1.0/24]"}}), "regions[1].prefixes[1]", 5);
}

TEST_CASE("a region listed twice or left without a gateway is refused") {
  only_error(with({{5, "    prefixes: [10.200.2.0/24]\n  - name: r2"}}), "regions[2].name", 6);
  only_error(with({{5, "    prefixes: [10.200.2.0/24]\n  - name: r3"}}), "gateways", 8);  // the list, from its first item
}

TEST_CASE("a misspelt required key reports the unknown key and the missing field") {
  auto errors = refused(with({{8, "    regoin: r1"}}));
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].field == "gateways[0].regoin");
  CHECK(errors[0].line == 8);
  CHECK(errors[1].field == "gateways[0].region");
  CHECK(errors[1].reason == "is required");
}

TEST_CASE("gateway ids, keys, endpoints and tunnel addresses are checked and unique") {
  only_error(with({{12, "  - id: 1"}}), "gateways[1].id", 12);
  only_error(with({{7, "  - id: 0"}}), "gateways[0].id", 7);
  only_error(with({{7, "  - id: one"}}), "gateways[0].id", 7);
  only_error(with({{9, "    public_key: notakey"}}), "gateways[0].public_key", 9);
  only_error(with({{14, "    public_key: x7XGpsWZbTBiEttI8xR5zrg/yIsgA3JKcGgfDezWky4="}}), "gateways[1].public_key", 14);
  only_error(with({{10, "    endpoints: [\"198.51.100.11\"]"}}), "gateways[0].endpoints[0]", 10);
  only_error(with({{10, "    endpoints: []"}}), "gateways[0].endpoints", 10);
  only_error(with({{15, "    endpoints: [\"198.51.100.11:51820\"]"}}), "gateways[1].endpoints[0]", 15);
  only_error(with({{11, "    tunnel_address: fd00::1"}}), "gateways[0].tunnel_address", 11);
  only_error(with({{16, "    tunnel_address: 10.200.0.1"}}), "gateways[1].tunnel_address", 16);
  only_error(with({{11, "    tunnel_address: 10.200.0.1\n    lanes: 17"}}), "gateways[0].lanes", 12);
}

TEST_CASE("service VIP, protocol and ports are checked") {
  only_error(with({{19, "    vip: 203.0.113"}}), "services[0].vip", 19);
  only_error(with({{20, "    protocol: sctp"}}), "services[0].protocol", 20);
  only_error(with({{21, "    port: 0"}}), "services[0].port", 21);
  only_error(with({{21, "    ports: 90-80"}}), "services[0].ports", 21);
  only_error(with({{21, "    port: 80\n    ports: 80-81"}}), "services[0].port", 18);
}

TEST_CASE("service limits are read with bursts defaulting to their rate, and checked") {
  auto loaded = load_model_text(
      with({{21, "    port: 80\n    limits: { new_flows_per_second: 500, source_packets_per_second: 100,"
                 " source_packets_burst: 20, source_prefix_v4: 16 }"}}),
      "mesh.yaml");
  REQUIRE(loaded.ok());
  const auto& l = loaded->services[0].service.limits;
  CHECK(l.new_flows_per_second == 500);
  CHECK(l.new_flows_burst == 500);
  CHECK(l.source_new_flows_per_second == 0);
  CHECK(l.source_new_flows_burst == 0);
  CHECK(l.source_packets_per_second == 100);
  CHECK(l.source_packets_burst == 20);
  CHECK(l.source_prefix_v4 == 16);
  CHECK(l.source_prefix_v6 == 64);
  auto plain = load_model_text(join(kValid), "mesh.yaml");
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->services[0].service.limits.any());

  auto e = only_error(with({{21, "    port: 80\n    limits: { new_flows_per_second: 5, new_flows_burst: 0 }"}}),
                      "services[0].limits.new_flows_burst", 22);
  CHECK(e.reason == "0 with new_flows_per_second 5: a rate needs a burst of at least 1");
  only_error(with({{21, "    port: 80\n    limits: { source_new_flows_burst: 3 }"}}),
             "services[0].limits.source_new_flows_burst", 22);
  only_error(with({{21, "    port: 80\n    limits: { source_prefix_v4: 33 }"}}), "services[0].limits.source_prefix_v4", 22);
  only_error(with({{21, "    port: 80\n    limits: { source_prefix_v6: 0 }"}}), "services[0].limits.source_prefix_v6", 22);
  only_error(with({{21, "    port: 80\n    limits: { new_flows: 5 }"}}), "services[0].limits.new_flows", 22);
}

TEST_CASE("two services on the same VIP, protocol and overlapping ports are refused") {
  auto text = join(kValid);
  auto second = "  - name: web2\n    vip: 203.0.113.10\n    protocol: tcp\n    ports: 70-90\n"
                "    groups: [{ region: r2, backends: [{ address: 10.200.2.11 }] }]\n";
  auto pos = text.find("policy:");
  text.insert(pos, second);
  only_error(text, "services[1].ports", 33);
}

TEST_CASE("endpoint group weight, dial, region and backends are checked") {
  only_error(with({{24, "        weight: 256"}}), "services[0].groups[0].weight", 24);
  only_error(with({{25, "        dial: 101"}}), "services[0].groups[0].dial", 25);
  only_error(with({{23, "      - region: r9"}}), "services[0].groups[0].region", 23);
  only_error(with({{27, "          - address: 10.200.1.300"}}), "services[0].groups[0].backends[0].address", 27);
  only_error(with({{28, "            weight: 0"}}), "services[0].groups[0].backends", 27);
  only_error(with({{28, "            weight: -1"}}), "services[0].groups[0].backends[0].weight", 28);
}

TEST_CASE("health checks are checked") {
  only_error(with({{29, "        health_check: { type: icmp }"}}), "services[0].groups[0].health_check.type", 29);
  only_error(with({{29, "        health_check: { interval_ms: 5 }"}}), "services[0].groups[0].health_check.interval_ms", 29);
  only_error(with({{29, "        health_check: { rise: 0 }"}}), "services[0].groups[0].health_check.rise", 29);
  only_error(with({{29, "        health_check: { type: tcp, path: /x }"}}), "services[0].groups[0].health_check.path", 29);
}

TEST_CASE("policy values are checked") {
  only_error(with({{31, "  probe: { interval_ms: 0 }"}}), "policy.probe.interval_ms", 31);
  only_error(with({{31, "  probe: { interval_ms: 1, timeout_ms: 64 }"}}), "policy.probe.timeout_ms", 31);
  only_error(with({{32, "  hysteresis: { min_improvement_fraction: 3/2 }"}}), "policy.hysteresis.min_improvement_fraction", 32);
  only_error(with({{32, "  hysteresis: { sustained_reports: 0 }"}}), "policy.hysteresis.sustained_reports", 32);
  only_error(with({{33, "  relay: maybe"}}), "policy.relay", 33);
  only_error(with({{33, "  loss_threshold_percent: 101"}}), "policy.loss_threshold_percent", 33);
}

TEST_CASE("a field of the wrong shape is refused") {
  only_error(with({{8, "    region: [r1]"}}), "gateways[0].region", 8);
  only_error(with({{10, "    endpoints: 198.51.100.11:51820"}}), "gateways[0].endpoints", 10);
  only_error("regions: r1\ngateways: []\n", "regions", 1);
  only_error("- 1\n- 2\n", "", 1);
}

TEST_CASE("several errors are reported at once, in file order") {
  auto errors = refused(with({{3, "    prefixes: [10.200.1.1/24]"},
                              {11, "    tunnel_address: 10.200.0.1\n    lanse: 2"},
                              {13, "    region: r9"},
                              {25, "        dial: 150"},
                              {33, "  relay: maybe"}}));
  for (const auto& e : errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(errors.size() == 5);
  std::vector<std::pair<int, std::string>> got;
  for (const auto& e : errors) got.emplace_back(e.line, e.field);
  std::vector<std::pair<int, std::string>> want = {{3, "regions[0].prefixes[0]"},
                                                   {12, "gateways[0].lanse"},
                                                   {14, "gateways[1].region"},
                                                   {26, "services[0].groups[0].dial"},
                                                   {34, "policy.relay"}};
  CHECK(got == want);
}

TEST_CASE("text that is not YAML is an error with its line, not an exception") {
  auto errors = refused("regions:\n  - name: r1\n  bad: [\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].field.empty());
  CHECK(errors[0].line >= 3);
  CHECK(errors[0].reason.find("not valid YAML") == 0);
}

TEST_CASE("an unreadable file is an error naming the file") {
  auto loaded = load_model_file("/nonexistent/mesh.yaml");
  REQUIRE_FALSE(loaded.ok());
  REQUIRE(loaded.error().size() == 1);
  CHECK(loaded.error()[0].to_string() == "/nonexistent/mesh.yaml: cannot be read");
}
