#include <madoguchi/api/http.hpp>

#include <spdlog/spdlog.h>

#include <atomic>

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

struct Responder::State {
  Sink sink;
  std::atomic<bool> done{false};
  ~State() {
    if (!done.exchange(true) && sink) {
      spdlog::error("a request was dropped without a response");
      sink(problem(500, "internal", "Internal error", "The error was logged."));
    }
  }
};

Responder::Responder(Sink sink) : state_(std::make_shared<State>()) {
  state_->sink = std::move(sink);
}

void Responder::operator()(Response response) const {
  if (!state_) return;
  if (state_->done.exchange(true)) {
    spdlog::warn("a request was answered twice; the second answer was dropped");
    return;
  }
  state_->sink(std::move(response));
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
