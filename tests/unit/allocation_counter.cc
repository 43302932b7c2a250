// Replaces the global operator new/delete of a test binary with counting versions (linked by the
// tests that check a packet path allocates nothing).
#include "tests/unit/allocation_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

// Every unaligned form is replaced, so that memory from any of them meets a matching release
// (sanitizers check that new/delete and malloc/free pairs match). The aligned forms are left to
// the runtime: they are not used on the paths under test and stay consistent among themselves.

namespace {

std::atomic<std::size_t> g_allocations{0};

void* counted_malloc(std::size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}

}  // namespace

namespace anymesh::test {
std::size_t allocations() { return g_allocations.load(std::memory_order_relaxed); }
}  // namespace anymesh::test

void* operator new(std::size_t size) {
  if (void* p = counted_malloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (void* p = counted_malloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counted_malloc(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return counted_malloc(size); }

void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
