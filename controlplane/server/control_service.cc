// The Control service: one gateway session per stream, snapshots written by a second thread.
#include "controlplane/server/control_service.h"

#include <thread>
#include <utility>

namespace anymesh::server {

ControlService::ControlService(GatewayLedger& ledger, ReportSink on_report)
    : ledger_(ledger), on_report_(std::move(on_report)) {}

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
  return grpc::Status::OK;
}

}  // namespace anymesh::server
