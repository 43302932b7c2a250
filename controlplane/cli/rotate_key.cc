// run_rotate_key: RotateKey, then Status every 200 ms, a line per lane step.
#include "controlplane/cli/rotate_key.h"

#include <thread>

namespace anymesh::cli {

int run_rotate_key(ControllerClient& controller, const RotateKeyOptions& options, std::FILE* out) {
  using Clock = std::chrono::steady_clock;
  auto started = controller.rotate_key(options.gateway, std::string(options.public_key.begin(), options.public_key.end()));
  if (!started) {
    std::fprintf(stderr, "anymesh rotate-key: %s\n", started.error().c_str());
    return 1;
  }
  std::fprintf(out, "rotating gateway %u's key over %u lanes (each lane: drain, switch both ends, probes up both ways, undrain)\n",
               options.gateway, started->lanes());
  std::string last;
  const auto deadline = Clock::now() + options.wait;
  for (;;) {
    auto status = controller.status();
    if (!status) {
      std::fprintf(stderr, "anymesh rotate-key: %s\n", status.error().c_str());
      return 1;
    }
    const auto& r = status->rotation();
    if (r.gateway_id() != options.gateway) {
      std::fprintf(stderr, "anymesh rotate-key: the controller reports no rotation of gateway %u\n", options.gateway);
      return 1;
    }
    std::string step = r.phase() + " " + std::to_string(r.lane());
    if (step != last) {
      last = step;
      if (r.phase() == "done") {
        std::fprintf(out, "  done: every lane uses the new key (%.1f s)\n", static_cast<double>(r.elapsed_ms()) / 1000);
        return 0;
      }
      if (r.phase() == "failed") {
        std::fprintf(out, "  failed after %.1f s: %s\n", static_cast<double>(r.elapsed_ms()) / 1000, r.error().c_str());
        return 1;
      }
      std::fprintf(out, "  lane %u/%u: %s (%.1f s)\n", r.lane() + 1, r.lanes(), r.phase().c_str(),
                   static_cast<double>(r.elapsed_ms()) / 1000);
      std::fflush(out);
    }
    if (Clock::now() > deadline) {
      std::fprintf(stderr, "anymesh rotate-key: still %s after the wait; follow it with anymesh status\n", step.c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace anymesh::cli
