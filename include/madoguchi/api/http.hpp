// The HTTP API's own small request/response model: handlers never see Beast.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace madoguchi::api {

struct Request {
  std::string method;                              // "GET", "POST", …
  std::string target;                              // path and query as sent
  std::string path;                                // decoded path without the query
  std::map<std::string, std::string> query;        // decoded ?a=b&c=d
  std::map<std::string, std::string> headers;      // names in lower case
  std::map<std::string, std::string> path_params;  // {id} captures, filled by the Router
  std::string body;
  std::string remote_address;
  std::string client_id;  // the authenticated API client, filled by the Router

  std::string header(const std::string& lower_name) const;
  std::string query_param(const std::string& name, const std::string& fallback = {}) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response json(int status, const nlohmann::json& body);
  static Response text(int status, std::string body, std::string content_type = "text/plain");
};

// RFC 9457 problem+json with a stable machine-readable `code` ("auth.missing_token").
Response problem(int status, std::string_view code, std::string_view title,
                 std::string_view detail = {});

using Handler = std::function<Response(const Request&)>;

}  // namespace madoguchi::api
