// HttpRequest and HttpResponse: the plain values that routers and handlers see. They know
// nothing of the network library, so a handler can be tested by calling it directly.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace lakehouse::server {

struct HttpRequest {
  std::string method;                              //!< "GET", "POST", ...
  std::string path;                                //!< percent-decoded path, without the query string
  std::map<std::string, std::string> query;        //!< decoded query parameters (last one wins)
  std::map<std::string, std::string> path_params;  //!< {name} segments matched by the router
  std::vector<std::pair<std::string, std::string>> headers;  //!< names lower-cased
  std::string body;
  //! For routes registered with RouteOptions::upload: the file holding the whole body (`body`
  //! stays empty). The server removes it once the response is sent; a handler that wants to keep
  //! the bytes copies or moves them.
  std::string body_file;
  std::string request_id;  //!< from X-Request-Id when well-formed, else generated
  std::string remote;      //!< peer address, for logs

  //! The first header named `name` (lower-case), if any.
  std::optional<std::string_view> Header(std::string_view name) const;
  //! The query parameter `name`, if present.
  std::optional<std::string_view> Query(std::string_view name) const;
};

struct HttpResponse {
  //! Appends the next piece of a streamed body to `out` (which arrives empty) and returns true
  //! while more follows, false with the last piece. A non-OK Status ends the stream early: the
  //! connection is closed without the final chunk, so the client sees an incomplete body.
  using BodyProducer = std::function<Result<bool>(std::string& out)>;

  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  //!< extra headers
  //! When set, the body is streamed instead of `body`: the server calls the producer on a
  //! worker thread (one call at a time per response), each time the previous piece has been written to the
  //! socket, and sends the pieces with chunked transfer encoding (HTTP/1.1) or until close (HTTP/1.0). So a
  //! response of any size is never held in memory whole, and a slow client slows the producer.
  BodyProducer body_producer;

  //! A JSON response with the given status.
  static HttpResponse FromJson(int status, const Json& value);
};

}  // namespace lakehouse::server

namespace lakehouse::server {

//! Splits a request target ("/a%20b?x=1&y") into a decoded path and query parameters.
//! Returns InvalidArgument for malformed percent-encoding or a path that does not start with '/'.
Status ParseTarget(std::string_view target, HttpRequest& request);

}  // namespace lakehouse::server
