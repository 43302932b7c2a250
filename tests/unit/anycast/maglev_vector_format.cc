// Maglev vector cases and their line-oriented text form ("key values..." lines, # comments).
#include "maglev_vector_format.h"

#include <cstdio>
#include <sstream>

namespace anymesh::anycast::vectors {
namespace {

MaglevVector make_case(std::string name, std::uint32_t size, std::uint32_t sample_every,
                       std::vector<MaglevBackend> backends) {
  MaglevVector v;
  v.name = std::move(name);
  v.table_size = size;
  v.sample_every = sample_every;
  v.backends = std::move(backends);
  return v;
}

std::vector<MaglevBackend> numbered(std::string prefix, int first, int count) {
  std::vector<MaglevBackend> out;
  for (int i = 0; i < count; ++i) {
    int n = first + i;
    out.push_back({prefix + std::to_string(n / 256) + "." + std::to_string(n % 256), 1});
  }
  return out;
}

std::vector<FlowTuple> sample_tuples(bool v6) {
  std::vector<FlowTuple> out;
  for (int i = 0; i < 8; ++i) {
    auto src = IpAddress::parse(v6 ? "fd00:1::" + std::to_string(i + 1)
                                   : "198.51.100." + std::to_string(i + 1));
    auto dst = IpAddress::parse(v6 ? "fd00:ff::10" : "203.0.113.10");
    auto proto = static_cast<std::uint8_t>(i % 2 == 0 ? 6 : 17);
    out.push_back(make_flow_tuple(*src, *dst, proto, static_cast<std::uint16_t>(40000 + i * 997),
                                  static_cast<std::uint16_t>(i % 2 == 0 ? 443 : 53)));
  }
  return out;
}

std::string hex64(std::uint64_t x) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(x));
  return buf;
}

std::string hex32(std::uint32_t x) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", x);
  return buf;
}

}  // namespace

std::vector<MaglevVector> cases() {
  return {
      make_case("equal_5_at_503", 503, 1, numbered("10.200.", 1, 5)),
      make_case("weighted_4_at_401", 401, 1,
                {{"10.200.1.1", 1}, {"10.200.1.2", 2}, {"10.200.1.3", 3}, {"10.200.1.4", 4}}),
      make_case("v6_weighted_3_at_307", 307, 1,
                {{"fd00::a", 10}, {"fd00::b", 20}, {"fd00::c", 255}}),
      make_case("equal_100_at_65537", 65537, 64, numbered("10.200.", 512, 100)),
  };
}

MaglevVector compute(MaglevVector c) {
  auto table = build_maglev(c.backends, c.table_size);
  if (!table) return c;  // counts stay empty: the comparison fails loudly
  c.counts.assign(c.backends.size(), 0);
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto slots = table->slots();
  for (std::size_t i = 0; i < slots.size(); ++i) {
    ++c.counts[slots[i]];
    for (int b = 0; b < 4; ++b) {
      h ^= (slots[i] >> (8 * b)) & 0xff;
      h *= 0x100000001b3ull;
    }
    if (i % c.sample_every == 0) c.slots.push_back(slots[i]);
  }
  c.digest = h;
  bool v6 = IpAddress::parse(c.backends.front().name)->family == IpAddress::Family::v6;
  for (const auto& t : sample_tuples(v6)) {
    auto hash = am_flow_hash(&t);
    c.flows.push_back({t, hash, table->lookup(hash)});
  }
  return c;
}

std::string to_text(const MaglevVector& v) {
  std::ostringstream out;
  out << "# Maglev known-answer vector " << v.name << " (tests/unit/anycast/maglev_vector_format.cc).\n"
      << "# Written by anymesh_maglev_vectors; a change here means the table or the flow hash changed.\n"
      << "# flow lines: src dst proto sport dport am_flow_hash backend-index\n";
  out << "table_size " << v.table_size << "\n";
  for (const auto& b : v.backends) out << "backend " << b.name << " " << b.weight << "\n";
  out << "counts";
  for (auto n : v.counts) out << " " << n;
  out << "\ndigest " << hex64(v.digest) << "\nsample_every " << v.sample_every << "\n";
  for (std::size_t i = 0; i < v.slots.size(); i += 16) {
    out << "slots";
    for (std::size_t j = i; j < v.slots.size() && j < i + 16; ++j) out << " " << v.slots[j];
    out << "\n";
  }
  for (const auto& f : v.flows) {
    out << "flow " << tuple_source(f.tuple).to_string() << " "
        << tuple_destination(f.tuple).to_string() << " " << unsigned{f.tuple.proto} << " "
        << tuple_source_port(f.tuple) << " " << tuple_destination_port(f.tuple) << " "
        << hex32(f.hash) << " " << f.backend << "\n";
  }
  return out.str();
}

std::optional<MaglevVector> parse(const std::string& text) {
  MaglevVector v;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string key;
    in >> key;
    if (key == "table_size") {
      in >> v.table_size;
    } else if (key == "backend") {
      MaglevBackend b;
      in >> b.name >> b.weight;
      v.backends.push_back(b);
    } else if (key == "counts") {
      for (std::uint32_t n; in >> n;) v.counts.push_back(n);
      in.clear();
    } else if (key == "digest") {
      in >> std::hex >> v.digest;
    } else if (key == "sample_every") {
      in >> v.sample_every;
    } else if (key == "slots") {
      for (std::uint32_t n; in >> n;) v.slots.push_back(n);
      in.clear();
    } else if (key == "flow") {
      std::string src, dst;
      unsigned proto = 0, sport = 0, dport = 0;
      VectorFlow f;
      in >> src >> dst >> proto >> sport >> dport >> std::hex >> f.hash >> std::dec >> f.backend;
      auto s = IpAddress::parse(src);
      auto d = IpAddress::parse(dst);
      if (!s || !d || proto > 255 || sport > 65535 || dport > 65535) return std::nullopt;
      f.tuple = make_flow_tuple(*s, *d, static_cast<std::uint8_t>(proto),
                                static_cast<std::uint16_t>(sport), static_cast<std::uint16_t>(dport));
      v.flows.push_back(f);
    } else {
      return std::nullopt;
    }
    if (in.fail()) return std::nullopt;
  }
  return v;
}

}  // namespace anymesh::anycast::vectors
