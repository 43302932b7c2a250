// anymesh_bpf_decap: attaches gue_decap (GueDecapAttachment, generic XDP) for SECONDS, then prints its counters.
//   anymesh_bpf_decap IFNAME GUE_PORT SECONDS
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "bpf/loader/gue_decap_attachment.h"

int main(int argc, char** argv) {
  using namespace anymesh::bpf;
  if (argc != 4) {
    std::fprintf(stderr, "usage: anymesh_bpf_decap IFNAME GUE_PORT SECONDS\n");
    return 2;
  }
  auto attached = GueDecapAttachment::attach(argv[1], static_cast<std::uint16_t>(std::atoi(argv[2])),
                                             XdpMode::generic);
  if (!attached) {
    std::fprintf(stderr, "%s\n", attached.error().c_str());
    return 1;
  }
  std::printf("attached\n");
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds(std::atoi(argv[3])));
  auto counters = attached->counters();
  if (!counters) {
    std::fprintf(stderr, "%s\n", counters.error().c_str());
    return 1;
  }
  for (std::uint32_t i = 0; i < AM_DECAP_COUNTER_COUNT; ++i) {
    std::printf("%s %llu\n", std::string(decap_counter_name(i)).c_str(),
                static_cast<unsigned long long>((*counters)[i]));
  }
  return 0;
}
