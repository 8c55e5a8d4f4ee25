#include "server/router.h"

#include <gtest/gtest.h>

#include "server/http_error.h"

namespace lakehouse::server {
namespace {

HttpRequest Request(std::string method, std::string target) {
  HttpRequest request;
  request.method = std::move(method);
  EXPECT_TRUE(ParseTarget(target, request).ok()) << target;
  return request;
}

TEST(Router, MatchesPatternsAndCapturesParameters) {
  Router router;
  router.Add("GET", "/datasets/{name}/versions", [](HttpRequest& r) {
    return HttpResponse::FromJson(200, {{"name", r.path_params.at("name")}});
  });
  auto request = Request("GET", "/datasets/candidates%20v2/versions");
  HttpResponse response = router.Dispatch(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(ParseJson(response.body)->at("name"), "candidates v2");
}

TEST(Router, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Router router;
  router.Add("GET", "/health", [](HttpRequest&) { return HttpResponse::FromJson(200, {}); });
  router.Add("PATCH", "/health", [](HttpRequest&) { return HttpResponse::FromJson(200, {}); });
  auto missing = Request("GET", "/nope");
  EXPECT_EQ(router.Dispatch(missing).status, 404);
  auto wrong = Request("POST", "/health");
  HttpResponse response = router.Dispatch(wrong);
  EXPECT_EQ(response.status, 405);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].second, "GET, PATCH");
  auto head = Request("HEAD", "/health");
  EXPECT_EQ(router.Dispatch(head).status, 200) << "HEAD is served by the GET route";
}

TEST(ParseTarget, DecodesPathAndQuery) {
  HttpRequest request;
  ASSERT_TRUE(ParseTarget("/journal?actor=ann%40example.com&since=2024-01-01&flag&q=a+b", request).ok());
  EXPECT_EQ(request.path, "/journal");
  EXPECT_EQ(request.Query("actor"), "ann@example.com");
  EXPECT_EQ(request.Query("since"), "2024-01-01");
  EXPECT_EQ(request.Query("flag"), "");
  EXPECT_EQ(request.Query("q"), "a b");
  EXPECT_FALSE(request.Query("missing").has_value());
}

TEST(ParseTarget, RejectsMalformedTargets) {
  for (const char* bad : {"", "health", "/a%2", "/a%zz", "/x?y=%G0", "http://host/x"}) {
    HttpRequest request;
    Status st = ParseTarget(bad, request);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(HttpError, HasTheDocumentedShapeAndStatus) {
  HttpResponse response =
      ErrorResponse(Status::NotFound("dataset 'x' does not exist"), Json{{"dataset", "x"}});
  EXPECT_EQ(response.status, 404);
  auto body = ParseJson(response.body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["error"]["code"], "not_found");
  EXPECT_EQ((*body)["error"]["message"], "dataset 'x' does not exist");
  EXPECT_EQ((*body)["error"]["detail"]["dataset"], "x");
  EXPECT_EQ(ErrorResponse(Status::Unavailable("down")).status, 503);
  EXPECT_EQ(ErrorResponse(Status::InvalidArgument("bad")).status, 400);
  EXPECT_EQ(ErrorResponse(Status::Internal("bug")).status, 500);
}

}  // namespace
}  // namespace lakehouse::server
