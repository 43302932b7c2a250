// Output of the gateway benchmark: the human table and the JSON file the plots and RESULTS.md read.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "bench/crypto/report.h"
#include "bench/crypto/workload.h"

namespace anymesh::bench {

// One measured point of the pipeline: the best repetition, and how the run went.
struct PathRate {
  Rate rate;              // all workers together, per wall second; Gbit/s counts inner IP bytes
  Rate per_cpu;           // per CPU second the worker lcores were given (the cost, whatever the machine's load)
  bool complete = true;   // every batch of every repetition arrived whole
  std::uint64_t packets = 0;  // through the pipeline over all repetitions
};

struct GatewaySizeResult {
  Workload workload;
  Rate raw_seal;  // physical limit, one core, per wall second
  Rate raw_open;
  Rate raw_seal_per_cpu;  // the same per CPU second (see aead_limit.h)
  Rate raw_open_per_cpu;
  PathRate plain;  // I/O ceiling, one core
  PathRate seal;   // inner -> outer
  PathRate open;   // outer -> inner
  PathRate relay;  // outer -> outer (open, then seal for a third region)
  PathRate anycast;            // client frame to a VIP on outer -> Maglev (flow table warm) -> GUE -> inner
  PathRate anycast_new_flows;  // the same, every packet the first of a new flow (flows per second)
  PathRate anycast_remote;     // client frame to a VIP served only by r2 -> IP-in-IP -> sealed to r2 on outer
};

struct MemoryUse {
  long hugetlb_kb = -1;  // /proc/self/status HugetlbPages: the hugepages this process maps
  long rss_kb = -1;      // VmRSS (hugepages are not in it)
  long rss_peak_kb = -1; // VmHWM
  long anon_kb = -1;
  long file_kb = -1;
  std::uint64_t dpdk_heap_bytes = 0;        // DPDK malloc heaps, all sockets
  std::uint64_t dpdk_heap_used_bytes = 0;
  std::uint64_t gateway_pool_bytes = 0;     // the gateway's own mbuf pool
  std::uint64_t bench_pool_bytes = 0;       // the benchmark's frames (stand for NIC descriptors)
};

struct GatewayRunInfo {
  RunInfo machine;
  std::string dpdk;
  std::vector<std::string> eal;
  bool hugepages = true;
  unsigned workers = 1;
  unsigned lanes = 1;
  std::size_t batch = 0;
  std::vector<unsigned> worker_cpus;
  unsigned main_cpu = 0;  // the benchmark's own lcore (fills and drains the rings, plays the peers)
  MemoryUse memory;
  std::vector<std::pair<std::string, std::uint64_t>> counters;  // non-zero pipeline and tunnel counters
  std::uint32_t anycast_flows = 0;  // client flows of the anycast-local path (its flow-table hits)
  std::uint64_t verified = 0;  // sampled packets opened or parsed at the far end and found right
};

MemoryUse measure_memory();
void print_gateway_table(std::FILE* out, const GatewayRunInfo& info, const std::vector<GatewaySizeResult>& results);
bool write_gateway_json(const std::string& path, const GatewayRunInfo& info,
                        const std::vector<GatewaySizeResult>& results);

}  // namespace anymesh::bench
