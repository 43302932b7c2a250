// Counts heap allocations made by this test binary, to check that packet-path calls make none.
#pragma once

#include <cstddef>

namespace anymesh::test {

// Number of calls to the global operator new since the program started.
std::size_t allocations();

}  // namespace anymesh::test
