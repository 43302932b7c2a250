// `anymesh rotate-key`: starts a gateway key rotation on the controller and follows it lane by
// lane until it is done, fails, or the wait runs out.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "controlplane/cli/controller_client.h"
#include "dataplane/wireguard/crypto.h"

namespace anymesh::cli {

struct RotateKeyOptions {
  std::uint32_t gateway = 0;
  wg::Key public_key{};
  std::chrono::milliseconds wait{std::chrono::minutes(5)};
};

// 0: done; 1: refused, failed or still running when the wait ran out (the reason printed).
int run_rotate_key(ControllerClient& controller, const RotateKeyOptions& options, std::FILE* out);

}  // namespace anymesh::cli
