// ControllerClient: the CLI's unary gRPC calls to anymesh-controller, each with a deadline and one
// clear reason when it fails.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "controlplane/proto/anymesh.grpc.pb.h"
#include "dataplane/packet/result.h"

namespace anymesh::cli {

inline constexpr const char* kDefaultController = "127.0.0.1:7443";

template <typename T>
using Answer = Result<T, std::string>;

class ControllerClient {
 public:
  // `address` is "host:port" (checked by the caller); every call gives up after `timeout`.
  ControllerClient(std::string address, std::chrono::milliseconds timeout = std::chrono::seconds(3));

  const std::string& address() const { return address_; }
  Answer<v1::StatusReply> status();
  Answer<v1::RoutesReply> routes(std::uint32_t gateway);
  Answer<v1::ServicesReply> services();
  Answer<v1::WeightsReply> weights(std::uint32_t gateway);
  Answer<v1::DrainReply> drain(const std::string& region, bool on);
  Answer<v1::CountersReply> counters();
  Answer<v1::KeyRotationView> rotate_key(std::uint32_t gateway, const std::string& public_key);

 private:
  template <typename Reply, typename Call>
  Answer<Reply> call(Call&& rpc);

  std::string address_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<v1::Control::Stub> stub_;
};

}  // namespace anymesh::cli
