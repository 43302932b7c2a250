// Ring-backed ethdevs and the timed batch over them.
#include "bench/gateway/ring_port.h"

#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include <unistd.h>

#include <stdexcept>

namespace anymesh::bench {
namespace {

std::chrono::nanoseconds cpu_time(const std::vector<clockid_t>& clocks) {
  std::chrono::nanoseconds sum{0};
  for (clockid_t c : clocks) {
    timespec ts{};
    if (clock_gettime(c, &ts) == 0) sum += std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
  }
  return sum;
}

}  // namespace

RingPort::RingPort(const std::string& name, unsigned queues, unsigned slots) : name_("net_ring_" + name) {
  for (unsigned q = 0; q < queues; ++q) {
    // One producer and one consumer each: the benchmark on one side, one worker on the other.
    for (auto [list, dir] : {std::pair{&rx_, "r"}, std::pair{&tx_, "t"}}) {
      std::string ring_name = name + dir + std::to_string(q);
      rte_ring* r = rte_ring_create(ring_name.c_str(), slots, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
      if (r == nullptr) throw std::runtime_error("cannot create ring " + ring_name + ": " + rte_strerror(rte_errno));
      list->push_back(r);
    }
  }
  if (rte_eth_from_rings(name.c_str(), rx_.data(), static_cast<unsigned>(rx_.size()), tx_.data(),
                         static_cast<unsigned>(tx_.size()), rte_socket_id()) < 0) {
    throw std::runtime_error("cannot create ring port " + name + ": " + rte_strerror(rte_errno));
  }
}

std::size_t RingPort::capacity() const { return rte_ring_get_capacity(rx_.front()); }

std::size_t RingPort::push(unsigned queue, rte_mbuf* const* frames, std::size_t n) {
  return rte_ring_enqueue_burst(rx_[queue], reinterpret_cast<void* const*>(frames), static_cast<unsigned>(n),
                                nullptr);
}

std::size_t RingPort::sent() const {
  std::size_t n = 0;
  for (rte_ring* r : tx_) n += rte_ring_count(r);
  return n;
}

void RingPort::take_sent(std::vector<rte_mbuf*>& out) {
  for (rte_ring* r : tx_) {
    void* burst[256];
    unsigned n;
    while ((n = rte_ring_dequeue_burst(r, burst, 256, nullptr)) != 0) {
      for (unsigned i = 0; i < n; ++i) out.push_back(static_cast<rte_mbuf*>(burst[i]));
    }
  }
}

BatchTiming timed_batch(RingPort& into, const std::vector<std::vector<rte_mbuf*>>& frames, const RingPort& from,
                        std::size_t expect, std::chrono::nanoseconds timeout,
                        const std::vector<clockid_t>& worker_clocks, bool yield_cpu) {
  using Clock = std::chrono::steady_clock;
  BatchTiming t;
  std::size_t already = from.sent();
  auto cpu_start = cpu_time(worker_clocks);
  auto start = Clock::now();
  for (unsigned q = 0; q < frames.size(); ++q) {
    if (into.push(q, frames[q].data(), frames[q].size()) != frames[q].size()) {
      throw std::runtime_error("ring port " + into.name() + ": a batch larger than its rings");
    }
  }
  auto deadline = start + timeout;
  for (;;) {
    // Looking every ~100 pauses keeps the main lcore off the cache line the worker writes.
    if (yield_cpu) {
      ::usleep(20);
    } else {
      for (int i = 0; i < 100; ++i) rte_pause();
    }
    t.arrived = from.sent() - already;
    auto now = Clock::now();
    if (t.arrived >= expect || now >= deadline) {
      t.complete = t.arrived >= expect;
      t.elapsed = now - start;
      t.cpu = cpu_time(worker_clocks) - cpu_start;
      return t;
    }
  }
}

}  // namespace anymesh::bench
