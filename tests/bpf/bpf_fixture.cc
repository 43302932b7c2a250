// load_bpf_fixture: the line format of tests/vectors/xdp/README.md.
#include "tests/bpf/bpf_fixture.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace anymesh::bpf::test {
namespace {

std::vector<std::uint8_t> parse_hex(const std::string& hex, const std::string& where) {
  if (hex.size() % 2 != 0) throw std::runtime_error(where + ": odd number of hex digits");
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    bytes.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

}  // namespace

BpfFixture load_bpf_fixture(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  BpfFixture fixture;
  fixture.file = path;
  std::optional<BpfCase> current;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string where = path + ":" + std::to_string(number);
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::vector<std::string> tokens;
    for (std::string w; words >> w;) tokens.push_back(w);
    if (tokens.empty()) continue;
    const auto& key = tokens[0];
    if (current) {
      if (key == "packet" && tokens.size() == 2) {
        auto bytes = parse_hex(tokens[1], where);
        current->packet.insert(current->packet.end(), bytes.begin(), bytes.end());
      } else if (key == "verdict" && tokens.size() == 2) {
        current->verdict = tokens[1];
      } else if (key == "counters") {
        current->counters.assign(tokens.begin() + 1, tokens.end());
      } else if (key == "output" && tokens.size() == 2) {
        auto bytes = parse_hex(tokens[1], where);
        if (!current->output) current->output.emplace();
        current->output->insert(current->output->end(), bytes.begin(), bytes.end());
      } else if (key == "end" && tokens.size() == 1) {
        if (current->packet.empty() || current->verdict.empty()) {
          throw std::runtime_error(where + ": case " + current->name + " needs packet and verdict");
        }
        fixture.cases.push_back(std::move(*current));
        current.reset();
      } else {
        throw std::runtime_error(where + ": unexpected '" + key + "' inside a case");
      }
    } else if (key == "case" && tokens.size() == 2) {
      current.emplace();
      current->name = tokens[1];
    } else if (key == "program" && tokens.size() == 2) {
      fixture.program = tokens[1];
    } else {
      fixture.setup.push_back(std::move(tokens));
    }
  }
  if (current) throw std::runtime_error(path + ": case " + current->name + " has no end");
  if (fixture.program.empty()) throw std::runtime_error(path + ": no program line");
  return fixture;
}

std::vector<std::string> bpf_fixture_files(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".txt") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::map<std::string, std::string> key_values(const std::vector<std::string>& tokens, std::size_t from) {
  std::map<std::string, std::string> kv;
  for (std::size_t i = from; i < tokens.size(); ++i) {
    auto eq = tokens[i].find('=');
    if (eq == std::string::npos) throw std::runtime_error("expected key=value, got " + tokens[i]);
    kv[tokens[i].substr(0, eq)] = tokens[i].substr(eq + 1);
  }
  return kv;
}

}  // namespace anymesh::bpf::test
