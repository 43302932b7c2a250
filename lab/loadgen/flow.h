// One probed flow of the load client: its socket and everything observed about its replies.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace anymesh::lab {

using Nanos = std::int64_t;

struct BackendChange {
  Nanos at;            // arrival of the first reply from the new backend (since start)
  std::uint64_t seq;   // probe that reply answered
  std::string from, to;
};

struct ReplyGap {
  Nanos at;      // arrival of the last reply before the gap (since start)
  Nanos length;  // until the next reply arrived, or until the end of the run when open
  bool open;     // no reply came after it before the run ended
};

struct Flow {
  int id = 0;
  bool tcp = false;
  int fd = -1;
  std::string local;       // source address:port, which is what the gateway hashes on
  std::string error;       // connect failure or reset, empty when fine
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t highest_seq_seen = 0;
  std::string backend;     // who answered last
  std::map<std::string, std::uint64_t> replies_by_backend;
  std::vector<BackendChange> changes;
  std::vector<ReplyGap> gaps;
  std::vector<double> rtt_ms;
  Nanos last_reply = -1;   // since start; -1 before the first reply
  std::string pending;     // TCP bytes after the last complete line
};

}  // namespace anymesh::lab
