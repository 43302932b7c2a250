// Learning table from source MAC to emulator port, so unicast frames take exactly one directed link.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

namespace anymesh::lab {

class MacTable {
 public:
  static constexpr int kUnknown = -1;

  void learn(const std::uint8_t* mac, int port) {
    if (mac[0] & 1) return;  // a multicast source is bogus; never learn it
    for (int i = 0; i < count_; ++i) {
      if (std::memcmp(entries_[i].mac, mac, 6) == 0) {
        entries_[i].port = port;  // a station that moved (re-created namespace) follows its new port
        return;
      }
    }
    Entry& e = entries_[count_ < kEntries ? count_++ : next_evict_++ % kEntries];
    std::memcpy(e.mac, mac, 6);
    e.port = port;
  }

  int lookup(const std::uint8_t* mac) const {
    for (int i = 0; i < count_; ++i)
      if (std::memcmp(entries_[i].mac, mac, 6) == 0) return entries_[i].port;
    return kUnknown;
  }

 private:
  // The lab has a handful of stations per port; a linear scan over a small array beats hashing here.
  static constexpr int kEntries = 256;
  struct Entry {
    std::uint8_t mac[6];
    int port;
  };
  std::array<Entry, kEntries> entries_{};
  int count_ = 0;
  unsigned next_evict_ = 0;
};

}  // namespace anymesh::lab
