// A small blocking HTTP/1.1 client for tests: one request per connection, or raw bytes.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lakehouse::testing {

struct HttpReply {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string error;  //!< set when the request could not be made

  std::string Header(const std::string& name) const;
};

//! Sends one request to 127.0.0.1:port and reads the whole reply.
HttpReply HttpCall(int port, const std::string& method, const std::string& target,
                   const std::string& body = "",
                   std::vector<std::pair<std::string, std::string>> headers = {});

//! Writes raw bytes to the port and returns whatever comes back until the peer closes
//! (or `timeout_ms` passes).
std::string RawExchange(int port, const std::string& bytes, int timeout_ms = 5000);

}  // namespace lakehouse::testing
