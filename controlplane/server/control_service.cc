// The Control service: one gateway session per stream, snapshots written by a second thread.
#include "controlplane/server/control_service.h"

#include <thread>
#include <utility>

namespace anymesh::server {

namespace {

const grpc::Status kNoQueries{grpc::StatusCode::UNIMPLEMENTED, "this controller serves gateway sessions only"};

}  // namespace

ControlService::ControlService(GatewayLedger& ledger, ReportSink on_report, MeshQueries* queries)
    : ledger_(ledger), on_report_(std::move(on_report)), queries_(queries) {}

grpc::Status ControlService::Session(grpc::ServerContext* context,
                                     grpc::ServerReaderWriter<v1::ControllerMessage, v1::GatewayMessage>* stream) {
  v1::GatewayMessage message;
  if (!stream->Read(&message)) return {grpc::StatusCode::CANCELLED, "closed before its Hello"};
  if (!message.has_hello()) return {grpc::StatusCode::INVALID_ARGUMENT, "the first message must be a Hello"};
  const GatewayId id = message.hello().gateway_id();
  auto ticket = ledger_.open_session(id, message.hello().applied_version(), [context] { context->TryCancel(); });
  if (!ticket) return {grpc::StatusCode::NOT_FOUND, ticket.error()};

  // gRPC allows one reader and one writer at a time on a stream: the writer pushes what the
  // ledger issues while this thread reads the gateway's answers.
  std::thread writer([&] {
    while (auto snapshot = ledger_.next_to_send(*ticket)) {
      v1::ControllerMessage out;
      *out.mutable_snapshot() = std::move(*snapshot);
      if (!stream->Write(out)) {
        context->TryCancel();
        break;
      }
    }
  });
  grpc::Status result = grpc::Status::OK;
  while (stream->Read(&message)) {
    switch (message.kind_case()) {
      case v1::GatewayMessage::kAck:
        ledger_.acked(*ticket, message.ack().version());
        break;
      case v1::GatewayMessage::kNack:
        ledger_.nacked(*ticket, message.nack().version(), message.nack().reason());
        break;
      case v1::GatewayMessage::kReport:
        ledger_.reported(*ticket);
        if (on_report_) on_report_(id, message.report());
        break;
      case v1::GatewayMessage::kHello:
      case v1::GatewayMessage::KIND_NOT_SET:
        result = {grpc::StatusCode::INVALID_ARGUMENT, "only the first message may be a Hello, and every one has a kind"};
        context->TryCancel();
        break;
    }
    if (!result.ok()) break;
  }
  ledger_.close_session(*ticket);
  writer.join();
  return result;
}

grpc::Status ControlService::Status(grpc::ServerContext*, const v1::StatusRequest*, v1::StatusReply* reply) {
  *reply = ledger_.status();
  if (queries_) {
    if (auto rotation = queries_->rotation()) *reply->mutable_rotation() = std::move(*rotation);
  }
  return grpc::Status::OK;
}

grpc::Status ControlService::Routes(grpc::ServerContext*, const v1::RoutesRequest* request, v1::RoutesReply* reply) {
  if (!queries_) return kNoQueries;
  auto routes = queries_->routes(request->gateway_id());
  if (!routes) return {grpc::StatusCode::NOT_FOUND, routes.error()};
  *reply = std::move(*routes);
  return grpc::Status::OK;
}

grpc::Status ControlService::Services(grpc::ServerContext*, const v1::ServicesRequest*, v1::ServicesReply* reply) {
  if (!queries_) return kNoQueries;
  *reply = queries_->services();
  return grpc::Status::OK;
}

grpc::Status ControlService::Weights(grpc::ServerContext*, const v1::WeightsRequest* request,
                                     v1::WeightsReply* reply) {
  if (!queries_) return kNoQueries;
  auto weights = queries_->weights(request->gateway_id());
  if (!weights) return {grpc::StatusCode::NOT_FOUND, weights.error()};
  *reply = std::move(*weights);
  return grpc::Status::OK;
}

grpc::Status ControlService::Drain(grpc::ServerContext*, const v1::DrainRequest* request, v1::DrainReply* reply) {
  if (!queries_) return kNoQueries;
  auto drained = queries_->drain(request->region(), request->drain());
  if (!drained) return {grpc::StatusCode::NOT_FOUND, drained.error()};
  *reply = std::move(*drained);
  return grpc::Status::OK;
}

grpc::Status ControlService::Counters(grpc::ServerContext*, const v1::CountersRequest*, v1::CountersReply* reply) {
  if (!queries_) return kNoQueries;
  *reply = queries_->counters();
  return grpc::Status::OK;
}

grpc::Status ControlService::RotateKey(grpc::ServerContext*, const v1::RotateKeyRequest* request,
                                       v1::KeyRotationView* reply) {
  if (!queries_) return kNoQueries;
  auto started = queries_->rotate_key(request->gateway_id(), request->public_key());
  if (!started) return {grpc::StatusCode::FAILED_PRECONDITION, started.error()};
  *reply = std::move(*started);
  return grpc::Status::OK;
}

}  // namespace anymesh::server
