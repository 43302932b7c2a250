// Test scaffolding: a poll loop that drives a UapiServer on its own thread, and a blocking client.
#pragma once

#include <chrono>
#include <string>
#include <thread>

#include "dataplane/wireguard/uapi_server.h"

namespace anymesh::wg::test {

// Runs server's poll loop on a thread from construction until destruction. The server and its
// handlers belong to that thread meanwhile: share results with the test through a mutex.
class ServerLoop {
 public:
  explicit ServerLoop(UapiServer& server);
  ~ServerLoop();
  ServerLoop(const ServerLoop&) = delete;
  ServerLoop& operator=(const ServerLoop&) = delete;

 private:
  void run();
  UapiServer& server_;
  int stop_[2] = {-1, -1};
  std::thread thread_;
};

// A connected unix stream socket with a receive timeout, closed on destruction.
class Client {
 public:
  explicit Client(const std::string& path);
  ~Client();
  void send(const std::string& bytes);
  void shut_write();
  // Reads until `answers` responses (each ends with "\n\n") have come, the server closes, or the
  // timeout passes; returns what came.
  std::string read_answers(int answers, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool closed_by_server(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  int fd_ = -1;
};

std::string temp_socket_dir();  // a fresh directory under /tmp, removed by the caller's cleanup

}  // namespace anymesh::wg::test
