// libFuzzer harness for one WireGuard message type (chosen at build time by ANYMESH_FUZZ_MESSAGE_TYPE):
// arbitrary bytes, typed and sized as that message, with a valid mac1 when the first input byte is odd,
// reach a device that holds an established session.
#include <cstdint>
#include <cstring>
#include <vector>

#include "tests/unit/wireguard/device_pair.h"

using namespace anymesh::wg;

namespace {

test::DevicePair& pair() {
  static test::DevicePair* p = [] {
    auto* made = new test::DevicePair(true);
    made->establish();
    return made;
  }();
  return *p;
}

std::size_t fixed_size(std::uint8_t type) {
  switch (type) {
    case 1: return initiation::size;
    case 2: return response::size;
    case 3: return cookie_reply::size;
    default: return 0;  // transport data: any length
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::uint8_t type = ANYMESH_FUZZ_MESSAGE_TYPE;
  if (size < 1) return 0;
  bool with_mac1 = data[0] & 1;
  ++data;
  --size;
  std::size_t len = fixed_size(type) ? fixed_size(type) : std::min<std::size_t>(size + 4, 1600);
  std::vector<std::uint8_t> msg(len, 0);
  std::memcpy(msg.data() + 4, data, std::min(size, len - 4));
  msg[0] = type;
  auto& p = pair();
  if (type == 4 && len >= 8 && p.a_at_b->current && (data[0] & 2)) {
    // Aim at the live session's index so the counter, replay and AEAD paths run.
    std::uint32_t index = p.a_at_b->current->local_index();
    std::memcpy(msg.data() + 4, &index, 4);
  }
  if (with_mac1 && (type == 1 || type == 2)) {
    CookieMaker maker;
    maker.set_peer_public_key(public_key_of(p.b_priv));
    maker.add_macs(msg.data(), msg.size(), p.clock.now());
  }
  test::Wire w{p.a_addr, p.b_addr, msg};
  p.deliver(w);
  p.in_flight.clear();
  p.delivered_to_b.clear();
  return 0;
}
