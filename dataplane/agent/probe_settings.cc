// Probe settings limits and their conversion to the probe library's configuration.
#include "dataplane/agent/probe_settings.h"

namespace anymesh::agent {

probe::LaneHealthConfig ProbeSettings::lane_health() const {
  probe::LaneHealthConfig config;
  config.timeout = timeout;
  config.misses_to_down = miss_threshold;
  config.goods_to_up = recover_threshold;
  return config;
}

namespace {

std::string between(long long low, long long high, long long got, const char* unit) {
  return "must be between " + std::to_string(low) + " and " + std::to_string(high) + unit +
         ", got " + std::to_string(got);
}

}  // namespace

std::optional<ProbeSettingsProblem> check_probe_settings(const ProbeSettings& s) {
  auto interval = s.interval.count();
  auto timeout = s.timeout.count();
  if (interval < 1 || interval > kMaxProbeIntervalMs) {
    return ProbeSettingsProblem{ProbeSetting::interval, between(1, kMaxProbeIntervalMs, interval, " ms")};
  }
  if (s.miss_threshold < 1 || s.miss_threshold > kMaxProbeThreshold) {
    return ProbeSettingsProblem{ProbeSetting::miss_threshold,
                                between(1, kMaxProbeThreshold, s.miss_threshold, "")};
  }
  if (s.recover_threshold < 1 || s.recover_threshold > kMaxProbeThreshold) {
    return ProbeSettingsProblem{ProbeSetting::recover_threshold,
                                between(1, kMaxProbeThreshold, s.recover_threshold, "")};
  }
  if (timeout < 1 || timeout > kMaxProbeTimeoutMs) {
    return ProbeSettingsProblem{ProbeSetting::timeout, between(1, kMaxProbeTimeoutMs, timeout, " ms")};
  }
  const long long in_flight = static_cast<long long>(probe::kMaxProbesInFlight);
  if (timeout >= interval * in_flight) {
    return ProbeSettingsProblem{
        ProbeSetting::timeout,
        std::to_string(timeout) + " ms is not below " + std::to_string(in_flight) +
            " probe intervals (" + std::to_string(interval * in_flight) +
            " ms): a lane keeps at most that many probes outstanding"};
  }
  return std::nullopt;
}

}  // namespace anymesh::agent
