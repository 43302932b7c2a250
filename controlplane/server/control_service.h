// ControlService: the gRPC Control service: gateway sessions and the status query over a GatewayLedger,
// the operator's queries (routes, services, weights, drain, counters) over MeshQueries.
#pragma once

#include <functional>

#include "controlplane/proto/anymesh.grpc.pb.h"
#include "controlplane/server/gateway_ledger.h"
#include "controlplane/server/mesh_queries.h"

namespace anymesh::server {

// Where a gateway's reports go (steering). Called on the session's thread, one report at a time
// per gateway, from several gateways at once.
using ReportSink = std::function<void(GatewayId, const v1::Report&)>;

class ControlService final : public v1::Control::Service {
 public:
  // Without queries (null) the operator's rpcs answer UNIMPLEMENTED; `queries` must outlive the service.
  ControlService(GatewayLedger& ledger, ReportSink on_report, MeshQueries* queries = nullptr);

  // Hello first, then Acks, Nacks and Reports in; snapshots pushed out by a writer thread as the
  // ledger issues them. Ends when either side closes or the gateway opens a newer session.
  grpc::Status Session(grpc::ServerContext* context,
                       grpc::ServerReaderWriter<v1::ControllerMessage, v1::GatewayMessage>* stream) override;
  grpc::Status Status(grpc::ServerContext* context, const v1::StatusRequest* request,
                      v1::StatusReply* reply) override;
  grpc::Status Routes(grpc::ServerContext* context, const v1::RoutesRequest* request,
                      v1::RoutesReply* reply) override;
  grpc::Status Services(grpc::ServerContext* context, const v1::ServicesRequest* request,
                        v1::ServicesReply* reply) override;
  grpc::Status Weights(grpc::ServerContext* context, const v1::WeightsRequest* request,
                       v1::WeightsReply* reply) override;
  grpc::Status Drain(grpc::ServerContext* context, const v1::DrainRequest* request, v1::DrainReply* reply) override;
  grpc::Status Counters(grpc::ServerContext* context, const v1::CountersRequest* request,
                        v1::CountersReply* reply) override;
  grpc::Status RotateKey(grpc::ServerContext* context, const v1::RotateKeyRequest* request,
                         v1::KeyRotationView* reply) override;

 private:
  GatewayLedger& ledger_;
  ReportSink on_report_;
  MeshQueries* queries_;
};

}  // namespace anymesh::server
