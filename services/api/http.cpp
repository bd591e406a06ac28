#include <madoguchi/api/http.hpp>

namespace madoguchi::api {

std::string Request::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string{} : it->second;
}

std::string Request::query_param(const std::string& name, const std::string& fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

Response Response::json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

Response problem(int status, std::string_view code, std::string_view title,
                 std::string_view detail) {
  nlohmann::json j{{"type", "https://madoguchi.invalid/problems/" + std::string(code)},
                   {"title", title},
                   {"status", status},
                   {"code", code}};
  if (!detail.empty()) j["detail"] = detail;
  Response r = Response::json(status, j);
  r.content_type = "application/problem+json";
  return r;
}

}  // namespace madoguchi::api
