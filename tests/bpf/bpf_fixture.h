// BpfFixture: one tests/vectors/xdp/*.txt scenario (program, map contents, packet cases), parsed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace anymesh::bpf::test {

struct BpfCase {
  std::string name;
  std::vector<std::uint8_t> packet;
  std::string verdict;
  std::vector<std::string> counters;  // each adds exactly one; all others unchanged
  std::optional<std::vector<std::uint8_t>> output;
};

struct BpfFixture {
  std::string file;
  std::string program;
  std::vector<std::vector<std::string>> setup;  // tokenised config / mesh_prefix / vip / ... lines
  std::vector<BpfCase> cases;
};

// Throws std::runtime_error naming the file and line on a malformed fixture.
BpfFixture load_bpf_fixture(const std::string& path);
// The key=value tokens of a setup line from index `from` on, as a map. Throws std::runtime_error on
// a token without '='.
std::map<std::string, std::string> key_values(const std::vector<std::string>& tokens, std::size_t from);

// Every *.txt under dir, sorted by name.
std::vector<std::string> bpf_fixture_files(const std::string& dir);

}  // namespace anymesh::bpf::test
