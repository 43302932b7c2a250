// The Maglev known-answer vectors in tests/vectors/maglev: the cases, and their text form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/anycast/flow_tuple.h"
#include "dataplane/anycast/maglev.h"

namespace anymesh::anycast::vectors {

// A flow through the table: its tuple, am_flow_hash of it, and the backend the table gives.
struct VectorFlow {
  FlowTuple tuple;
  std::uint32_t hash = 0;
  std::uint32_t backend = 0;
};

// Everything a vector file pins down. slots holds every sample_every-th slot from slot 0.
struct MaglevVector {
  std::string name;  // file name without .txt
  std::uint32_t table_size = 0;
  std::vector<MaglevBackend> backends;
  std::vector<std::uint32_t> counts;  // slots per backend
  std::uint64_t digest = 0;           // FNV-1a 64 over every slot as 4 little-endian bytes
  std::uint32_t sample_every = 1;
  std::vector<std::uint32_t> slots;
  std::vector<VectorFlow> flows;
};

// The fixed cases: names, sizes and backends. Outputs are left empty for compute() to fill.
std::vector<MaglevVector> cases();

// Fills counts, digest, slots and flows of a case from the current builder and flow hash.
MaglevVector compute(MaglevVector c);

std::string to_text(const MaglevVector& v);
std::optional<MaglevVector> parse(const std::string& text);  // nullopt on any malformed line

}  // namespace anymesh::anycast::vectors
