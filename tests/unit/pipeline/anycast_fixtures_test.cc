// One decision, two implementations, one fixture set: tests/vectors/xdp/outer_vip*.txt (written for
// xdp_gateway) run through the anycast stage; frames XDP sends (tx) must come out byte for byte
// (IPv4 options included), and packets XDP drops for an ingress limit are dropped for the same one.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <set>
#include <stdexcept>

#include "tests/bpf/bpf_fixture.h"
#include "tests/unit/pipeline/anycast_packets.h"

namespace anymesh::pipeline::test {
namespace {

using bpf::test::BpfCase;
using bpf::test::BpfFixture;
using bpf::test::key_values;
using namespace std::chrono_literals;

std::set<std::string> flags(const std::map<std::string, std::string>& kv) {
  std::set<std::string> out;
  auto it = kv.find("flags");
  if (it == kv.end()) return out;
  std::string rest = it->second;
  for (std::size_t comma; (comma = rest.find(',')) != std::string::npos; rest.erase(0, comma + 1)) {
    out.insert(rest.substr(0, comma));
  }
  if (!rest.empty()) out.insert(rest);
  return out;
}

struct FixtureBackend {
  IpAddress address;
  std::uint16_t group = 0;
  bool healthy = false;
  bool local = false;
};

// The XDP maps of a fixture as a ServiceTable: one service per vips line (so one XDP service id may
// serve several VIPs), its Maglev table given slot by slot. Local backends form the group's table;
// a group of non-local backends becomes another region's group (no backends here), which XDP
// leaves to DPDK and the stage sends to that region.
struct FixtureScenario {
  AnycastStageConfig config = stage_config();
  anycast::ServiceTable table;
};

FixtureScenario scenario_of(const BpfFixture& fixture) {
  FixtureScenario out;
  out.config.gateway_v4.reset();
  out.config.gateway_v6.reset();
  std::map<std::uint32_t, FixtureBackend> backends;
  std::map<std::uint32_t, std::vector<std::uint32_t>> maglev;
  std::vector<std::vector<std::string>> vips;
  std::map<std::uint32_t, anycast::ServiceLimits> limits;  // by fixture service id
  for (const auto& line : fixture.setup) {
    if (line[0] == "config") {
      for (const auto& [key, value] : key_values(line, 1)) {
        if (key == "gateway_v4") out.config.gateway_v4 = ip(value);
        if (key == "gateway_v6") out.config.gateway_v6 = ip(value);
        if (key == "gue_port") out.config.gue_port = static_cast<std::uint16_t>(std::stoul(value));
        if (key == "mtu") out.config.mtu = static_cast<std::uint16_t>(std::stoul(value));
        if (key == "limit_share") out.config.limit_share = static_cast<std::uint32_t>(std::stoul(value));
        if (key == "next_hop_mac") {
          for (std::size_t i = 0; i < 6; ++i) {
            out.config.next_hop_mac[i] = static_cast<std::uint8_t>(std::stoul(value.substr(i * 3, 2), nullptr, 16));
          }
        }
      }
    } else if (line[0] == "backend") {
      auto kv = key_values(line, 3);
      auto f = flags(kv);
      backends[static_cast<std::uint32_t>(std::stoul(line[1]))] =
          FixtureBackend{ip(line[2]), static_cast<std::uint16_t>(std::stoul(kv.count("group") ? kv.at("group") : "0")),
                         f.count("healthy") > 0, f.count("local") > 0};
    } else if (line[0] == "maglev") {
      auto& slots = maglev[static_cast<std::uint32_t>(std::stoul(line[1]))];
      for (std::size_t i = 2; i < line.size(); ++i) slots.push_back(static_cast<std::uint32_t>(std::stoul(line[i])));
    } else if (line[0] == "vip") {
      vips.push_back(line);
    } else if (line[0] == "limits") {
      auto& l = limits[static_cast<std::uint32_t>(std::stoul(line[1]))];
      for (const auto& [key, value] : key_values(line, 2)) {
        auto n = static_cast<std::uint32_t>(std::stoul(value));
        if (key == "new_flows_per_second") l.new_flows_per_second = n;
        if (key == "new_flows_burst") l.new_flows_burst = n;
        if (key == "source_new_flows_per_second") l.source_new_flows_per_second = n;
        if (key == "source_new_flows_burst") l.source_new_flows_burst = n;
        if (key == "source_packets_per_second") l.source_packets_per_second = n;
        if (key == "source_packets_burst") l.source_packets_burst = n;
        if (key == "source_prefix_v4") l.source_prefix_v4 = static_cast<std::uint8_t>(n);
        if (key == "source_prefix_v6") l.source_prefix_v6 = static_cast<std::uint8_t>(n);
      }
    }
  }
  std::vector<anycast::Service> services;
  std::uint32_t next_id = 1;
  for (const auto& line : vips) {
    auto kv = key_values(line, 4);
    auto f = flags(kv);
    anycast::Service s;
    s.name = "vip-" + std::to_string(services.size());
    s.vip = ip(line[1]);
    s.protocol = line[2] == "udp" ? 17 : 6;
    auto port = static_cast<std::uint16_t>(std::stoul(line[3]));
    s.ports = anycast::PortRange::single(port);
    if (kv.count("ports")) {
      auto range = kv.at("ports");
      auto dash = range.find('-');
      s.ports = {static_cast<std::uint16_t>(std::stoul(range.substr(0, dash))),
                 static_cast<std::uint16_t>(std::stoul(range.substr(dash + 1)))};
    }
    if (f.count("source_ip")) s.affinity = anycast::Affinity::source_ip;
    const auto service_id = static_cast<std::uint32_t>(std::stoul(kv.at("service")));
    if (limits.count(service_id)) s.limits = limits.at(service_id);
    const auto& slots = maglev.at(service_id);
    std::map<std::uint16_t, anycast::EndpointGroup> groups;  // by fixture group id
    std::map<std::uint32_t, std::uint32_t> renumbered;        // fixture backend id -> ours
    for (auto id : slots) {
      const auto& b = backends.at(id);
      auto& g = groups[b.group];
      g.id = b.group;
      if (!b.local) {
        g.region = "remote-" + std::to_string(b.group);
        continue;
      }
      g.region = "local";
      if (!renumbered.count(id)) {
        renumbered[id] = next_id;
        g.backends.push_back({next_id++, b.address, 1, b.healthy});
      }
      g.maglev_slots.push_back(renumbered.at(id));
    }
    for (auto& [id, g] : groups) s.groups.push_back(std::move(g));
    services.push_back(std::move(s));
  }
  auto table = anycast::ServiceTable::build(std::move(services));
  if (!table) throw std::runtime_error(fixture.file + ": " + table.error().to_string());
  out.table = std::move(*table);
  return out;
}

std::string hex(std::span<const std::uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (auto b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

bool has(const BpfCase& c, const std::string& counter) {
  return std::find(c.counters.begin(), c.counters.end(), counter) != c.counters.end();
}

std::size_t l2_length(const std::vector<std::uint8_t>& frame) {
  return frame.size() >= 14 && frame[12] == 0x81 && frame[13] == 0x00 ? 18 : 14;
}

// Runs every case of the fixture through a fresh stage, as Ethernet frames or as the bare IP
// packets inside them; returns the number of cases compared.
std::size_t run(const BpfFixture& fixture, Framing framing) {
  auto scenario = scenario_of(fixture);
  AnycastStage stage(scenario.config);
  stage.set_services(&scenario.table);
  std::size_t compared = 0;
  for (const auto& c : fixture.cases) {
    INFO(fixture.file << " case " << c.name << (framing == Framing::ip ? " (bare IP)" : " (Ethernet)"));
    const std::size_t l2 = framing == Framing::ip ? l2_length(c.packet) : 0;
    auto p = packet_of({c.packet.begin() + static_cast<std::ptrdiff_t>(l2), c.packet.end()});
    const auto before = stage.counters();
    auto d = stage.classify(p.bytes(), TestPacket::kHeadroom, framing, AnycastOrigin::client, 10s);
    const auto& after = stage.counters();
    if (c.verdict == "tx") {
      // XDP encapsulated it: the stage must send the very same bytes, with the same flow outcome.
      REQUIRE(d.verdict == AnycastVerdict::to_backend);
      REQUIRE(c.output.has_value());
      std::span<const std::uint8_t> expected(c.output->data() + l2, c.output->size() - l2);
      CHECK(hex(d.packet) == hex(expected));
      CHECK(after.flow_new - before.flow_new == (has(c, "note_flow_new") ? 1u : 0u));
      CHECK(after.flow_pinned - before.flow_pinned == (has(c, "note_flow_pinned") ? 1u : 0u));
      const std::size_t ip_at = l2_length(c.packet);
      const bool options = c.packet.size() > ip_at && c.packet[ip_at] > 0x45 && (c.packet[ip_at] >> 4) == 4;
      CHECK(after.ip_options - before.ip_options == (options ? 1u : 0u));
    } else if (c.verdict == "pass") {
      // Left to the kernel by XDP: not steered here either (not a VIP, or bad input).
      CHECK(d.verdict == AnycastVerdict::pass);
      CHECK(p.copy() == std::vector<std::uint8_t>(c.packet.begin() + static_cast<std::ptrdiff_t>(l2), c.packet.end()));
      if (has(c, "pass_fragment")) CHECK(after.fragment == before.fragment + 1);
      if (has(c, "pass_not_tunnel")) {
        CHECK(after.not_vip + after.unknown_protocol == before.not_vip + before.unknown_protocol + 1);
      }
      if (has(c, "pass_malformed")) {
        CHECK(after.truncated + after.bad_ip_header == before.truncated + before.bad_ip_header + 1);
      }
    } else if (c.verdict == "redirect") {
      // Handed to DPDK by XDP: tunnel traffic is not the stage's; VIP packets get the full decision.
      if (has(c, "xsk_tunnel")) {
        CHECK(d.verdict == AnycastVerdict::pass);
      } else if (has(c, "xsk_vip_too_big")) {
        CHECK(d.verdict == AnycastVerdict::drop);
        CHECK(after.gue_too_big == before.gue_too_big + 1);
      } else if (has(c, "xsk_vip_no_source")) {
        CHECK(d.verdict == AnycastVerdict::drop);
        CHECK(after.gue_no_source == before.gue_no_source + 1);
      } else {
        CHECK((d.verdict == AnycastVerdict::to_backend || d.verdict == AnycastVerdict::to_region));
        if (d.verdict == AnycastVerdict::to_region) CHECK(d.group->region.starts_with("remote-"));
      }
    } else if (c.verdict == "drop") {
      // Dropped by an ingress limit in XDP: the stage drops it for the same limit.
      CHECK(d.verdict == AnycastVerdict::drop);
      CHECK(p.copy() == std::vector<std::uint8_t>(c.packet.begin() + static_cast<std::ptrdiff_t>(l2), c.packet.end()));
      CHECK(after.limit_service_new_flows - before.limit_service_new_flows ==
            (has(c, "drop_limit_service_new_flows") ? 1u : 0u));
      CHECK(after.limit_source_new_flows - before.limit_source_new_flows ==
            (has(c, "drop_limit_source_new_flows") ? 1u : 0u));
      CHECK(after.limit_source_packets - before.limit_source_packets == (has(c, "drop_limit_source_packets") ? 1u : 0u));
      CHECK(after.flow_new == before.flow_new);
    } else {
      FAIL("verdict " << c.verdict << " has no DPDK counterpart");
    }
    CHECK(after.packets == before.packets + 1);
    ++compared;
  }
  return compared;
}

TEST_CASE("the anycast stage agrees with xdp_gateway on every outer VIP fixture") {
  std::size_t cases = 0, files = 0;
  for (const auto& file : bpf::test::bpf_fixture_files(ANYMESH_VECTORS_DIR "/xdp")) {
    if (file.find("/outer_vip") == std::string::npos) continue;
    auto fixture = bpf::test::load_bpf_fixture(file);
    REQUIRE(fixture.program == "xdp_gateway");
    cases += run(fixture, Framing::ethernet);
    run(fixture, Framing::ip);
    ++files;
  }
  CHECK(files >= 4);
  CHECK(cases >= 56);
}

TEST_CASE("in the fixtures, a VIP whose Maglev slot is another region's backend goes to that region") {
  auto fixture = bpf::test::load_bpf_fixture(ANYMESH_VECTORS_DIR "/xdp/outer_vip.txt");
  auto scenario = scenario_of(fixture);
  AnycastStage stage(scenario.config);
  stage.set_services(&scenario.table);
  for (const auto& c : fixture.cases) {
    if (c.name != "v4_vip_remote_backend") continue;
    auto p = packet_of(c.packet);
    auto d = stage.classify(p.bytes(), TestPacket::kHeadroom, Framing::ethernet, AnycastOrigin::client, 10s);
    REQUIRE(d.verdict == AnycastVerdict::to_region);
    CHECK(d.group->region == "remote-2");
    return;
  }
  FAIL("case v4_vip_remote_backend is missing");
}

}  // namespace
}  // namespace anymesh::pipeline::test
