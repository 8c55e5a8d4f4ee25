#include "server/mutation_routes.h"

#include "server/http_error.h"

namespace lakehouse::server {

void RegisterMutationRoutes(Router& router, mutation::MutationService& service) {
  router.Add("POST", "/datasets/{name}/rows", [&service](HttpRequest& request) {
    auto body = ParseJson(request.body);
    if (!body.ok()) return ErrorResponse(body.status().WithContext("the body must be a JSON object"));
    auto changes = mutation::RowChangesFromJson(*body);
    if (!changes.ok()) return ErrorResponse(changes.status());
    auto result = service.Apply(request.path_params["name"], *changes);
    if (!result.ok()) return ErrorResponse(result.status());
    return HttpResponse::FromJson(200, mutation::MutationService::ResultToJson(*result));
  });
  router.Add("POST", "/datasets/{name}/compact", [&service](HttpRequest& request) {
    mutation::ChangeContext context{"api", "api", ""};
    if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
      auto body = ParseJson(request.body);
      if (!body.ok() || !body->is_object()) {
        return ErrorResponse(Status::InvalidArgument(
            R"(the body must be empty or a JSON object such as {"actor": "ops", "source": "console"})"));
      }
      for (const auto& [field, value] : body->items()) {
        if ((field != "actor" && field != "source" && field != "workspace_id") || !value.is_string()) {
          return ErrorResponse(Status::InvalidArgument("unknown or non-string field '" + field +
                                                       "'; the fields are actor, source, workspace_id"));
        }
      }
      context.actor = body->value("actor", context.actor);
      context.source = body->value("source", context.source);
      context.workspace_id = body->value("workspace_id", "");
    }
    auto result = service.Compact(request.path_params["name"], context);
    if (!result.ok()) return ErrorResponse(result.status());
    return HttpResponse::FromJson(200, mutation::MutationService::ResultToJson(*result));
  });
}

}  // namespace lakehouse::server
