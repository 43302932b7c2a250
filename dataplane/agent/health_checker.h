// HealthChecker: TCP connect, HTTP GET and UDP echo checks of this region's backends on its own
// thread, with rise/fall thresholds; the verdicts are read as a snapshot.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/agent/anycast_services.h"

namespace anymesh::agent {

struct BackendHealth {
  std::uint32_t backend_id = 0;
  IpAddress address;
  bool healthy = true;          // starts healthy: a fresh gateway serves until `fall` failures
  std::uint32_t passes = 0;     // consecutive, since the last failure
  std::uint32_t failures = 0;   // consecutive, since the last pass
  std::uint64_t checks = 0;     // checks finished
  std::uint64_t transitions = 0;
  std::string last_problem;     // why the last failed check failed ("" after a pass)
};

struct HealthSnapshot {
  std::uint64_t generation = 0;  // grows whenever a verdict (healthy) changes or the list is set
  std::vector<BackendHealth> backends;  // sorted by backend id
  bool healthy(std::uint32_t backend_id) const;  // true for ids it does not list (fail open)
};

// A check passes when, within its timeout (the interval, at most 2 s):
// - tcp: the connection is established;
// - http: GET path (HTTP/1.0) is answered with a 2xx or 3xx status line;
// - udp: a datagram sent to the port is answered (an ICMP port unreachable fails it at once).
class HealthChecker {
 public:
  HealthChecker();
  ~HealthChecker();  // stops the thread
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // The new work list (e.g. from a new snapshot). Backends that stay (same id, address and check)
  // keep their state; new ones start healthy with a check due now.
  void set_checks(std::vector<BackendCheck> checks);

  HealthSnapshot snapshot() const;
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  struct Target;
  struct Probe;
  void run();
  void wake();

  mutable std::mutex mutex_;
  std::vector<BackendCheck> pending_;  // set_checks() hands the list over here
  bool have_pending_ = false;
  std::vector<BackendHealth> published_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
  int wake_fd_ = -1;
  std::thread thread_;
};

}  // namespace anymesh::agent
