// ControlService: the gRPC Control service, gateway sessions and the status query, over a GatewayLedger.
#pragma once

#include <functional>

#include "controlplane/proto/anymesh.grpc.pb.h"
#include "controlplane/server/gateway_ledger.h"

namespace anymesh::server {

// Where a gateway's reports go (steering). Called on the session's thread, one report at a time
// per gateway, from several gateways at once.
using ReportSink = std::function<void(GatewayId, const v1::Report&)>;

class ControlService final : public v1::Control::Service {
 public:
  ControlService(GatewayLedger& ledger, ReportSink on_report);

  // Hello first, then Acks, Nacks and Reports in; snapshots pushed out by a writer thread as the
  // ledger issues them. Ends when either side closes or the gateway opens a newer session.
  grpc::Status Session(grpc::ServerContext* context,
                       grpc::ServerReaderWriter<v1::ControllerMessage, v1::GatewayMessage>* stream) override;
  grpc::Status Status(grpc::ServerContext* context, const v1::StatusRequest* request,
                      v1::StatusReply* reply) override;

 private:
  GatewayLedger& ledger_;
  ReportSink on_report_;
};

}  // namespace anymesh::server
