// RingPort: a DPDK ethdev over rte_rings the benchmark owns (rte_eth_from_rings, what net_ring
// vdevs are): it fills what the port receives and drains what the port sends, with nothing else
// between. Also the timed batch: frames in on one port, wait until they are out on another.
#pragma once

#include <time.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

struct rte_mbuf;
struct rte_ring;

namespace anymesh::bench {

class RingPort {
 public:
  // Creates the rings (one rx and one tx per queue, `slots` each, a power of two) and the ethdev
  // "net_ring_<name>" (what DPDK calls it); dpdk::open_port configures and starts it like any
  // vdev. Throws std::runtime_error.
  RingPort(const std::string& name, unsigned queues, unsigned slots);
  const std::string& name() const { return name_; }  // the ethdev's name
  unsigned queues() const { return static_cast<unsigned>(rx_.size()); }
  std::size_t capacity() const;

  // What the port will receive on `queue`: returns how many frames fit (the rest stay the caller's).
  std::size_t push(unsigned queue, rte_mbuf* const* frames, std::size_t n);
  // How many frames the port has sent and nobody has taken yet, over all queues.
  std::size_t sent() const;
  // Takes every frame the port has sent, queue by queue, appending to `out`.
  void take_sent(std::vector<rte_mbuf*>& out);

 private:
  std::string name_;
  std::vector<rte_ring*> rx_;
  std::vector<rte_ring*> tx_;
};

struct BatchTiming {
  std::chrono::nanoseconds elapsed{0};
  std::chrono::nanoseconds cpu{0};  // CPU time the worker lcores got meanwhile, summed
  std::size_t arrived = 0;  // frames out on the far port when the wait ended
  bool complete = false;    // all `expect` arrived before the timeout
};

// Pushes frames[q] into `into`'s queue q (all queues, in one go), then waits until `from` has sent
// `expect` frames or `timeout` passed. The clock starts before the first push and stops when the
// last expected frame is visible: the whole batch, as a NIC burst that arrived at once would be.
// worker_clocks (pthread_getcpuclockid of the lcores doing the work) give the CPU time they were
// actually given, which on a shared machine is less than the wall time. yield_cpu: the caller
// shares its CPU with a worker, so it sleeps between looks instead of spinning.
BatchTiming timed_batch(RingPort& into, const std::vector<std::vector<rte_mbuf*>>& frames, const RingPort& from,
                        std::size_t expect, std::chrono::nanoseconds timeout,
                        const std::vector<clockid_t>& worker_clocks, bool yield_cpu);

}  // namespace anymesh::bench
