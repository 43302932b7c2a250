// ControllerClient: one insecure channel to the controller (as the gateways use), unary calls with a deadline.
#include "controlplane/cli/controller_client.h"

#include <grpcpp/grpcpp.h>

#include <utility>

namespace anymesh::cli {

ControllerClient::ControllerClient(std::string address, std::chrono::milliseconds timeout)
    : address_(std::move(address)),
      timeout_(timeout),
      stub_(v1::Control::NewStub(grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()))) {}

template <typename Reply, typename Call>
Answer<Reply> ControllerClient::call(Call&& rpc) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout_);
  Reply reply;
  const grpc::Status status = rpc(context, reply);
  if (status.ok()) return reply;
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return fail("cannot reach the controller at " + address_ + ": " + status.error_message());
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return fail("cannot reach the controller at " + address_ + ": no answer within " +
                  std::to_string(timeout_.count()) + " ms");
    case grpc::StatusCode::UNIMPLEMENTED:
      return fail("the controller at " + address_ + " does not serve this request (older version?): " +
                  status.error_message());
    default:
      return fail("the controller at " + address_ + " answered: " + status.error_message());
  }
}

Answer<v1::StatusReply> ControllerClient::status() {
  return call<v1::StatusReply>([&](grpc::ClientContext& c, v1::StatusReply& r) {
    return stub_->Status(&c, v1::StatusRequest{}, &r);
  });
}

Answer<v1::RoutesReply> ControllerClient::routes(std::uint32_t gateway) {
  v1::RoutesRequest request;
  request.set_gateway_id(gateway);
  return call<v1::RoutesReply>([&](grpc::ClientContext& c, v1::RoutesReply& r) { return stub_->Routes(&c, request, &r); });
}

Answer<v1::ServicesReply> ControllerClient::services() {
  return call<v1::ServicesReply>([&](grpc::ClientContext& c, v1::ServicesReply& r) {
    return stub_->Services(&c, v1::ServicesRequest{}, &r);
  });
}

Answer<v1::WeightsReply> ControllerClient::weights(std::uint32_t gateway) {
  v1::WeightsRequest request;
  request.set_gateway_id(gateway);
  return call<v1::WeightsReply>([&](grpc::ClientContext& c, v1::WeightsReply& r) { return stub_->Weights(&c, request, &r); });
}

Answer<v1::DrainReply> ControllerClient::drain(const std::string& region, bool on) {
  v1::DrainRequest request;
  request.set_region(region);
  request.set_drain(on);
  return call<v1::DrainReply>([&](grpc::ClientContext& c, v1::DrainReply& r) { return stub_->Drain(&c, request, &r); });
}

Answer<v1::KeyRotationView> ControllerClient::rotate_key(std::uint32_t gateway, const std::string& public_key) {
  v1::RotateKeyRequest request;
  request.set_gateway_id(gateway);
  request.set_public_key(public_key);
  return call<v1::KeyRotationView>(
      [&](grpc::ClientContext& c, v1::KeyRotationView& r) { return stub_->RotateKey(&c, request, &r); });
}

Answer<v1::CountersReply> ControllerClient::counters() {
  return call<v1::CountersReply>([&](grpc::ClientContext& c, v1::CountersReply& r) {
    return stub_->Counters(&c, v1::CountersRequest{}, &r);
  });
}

}  // namespace anymesh::cli
