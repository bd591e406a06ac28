#include <madoguchi/api/json_handler.hpp>

namespace madoguchi::api {

std::optional<JsonBody> JsonBody::parse(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return JsonBody(std::move(j));
}

std::string string_field(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::string JsonBody::string(std::string_view key) const { return string_field(json_, key); }

std::optional<bool> JsonBody::boolean(std::string_view key) const {
  auto it = json_.find(key);
  if (it == json_.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

const nlohmann::json* JsonBody::array(std::string_view key) const {
  auto it = json_.find(key);
  return it != json_.end() && it->is_array() ? &*it : nullptr;
}

Response bad_json(std::string_view title) { return problem(400, "api.bad_json", title); }

Response problem(int status, std::string_view code, std::string_view title, std::string_view detail,
                 const nlohmann::json& members) {
  Response r = problem(status, code, title, detail);
  if (!members.is_object() || members.empty()) return r;
  auto j = nlohmann::json::parse(r.body);
  j.update(members);
  r.body = j.dump();
  return r;
}

Handler json_endpoint(JsonHandler handler) {
  return [handler = std::move(handler)](const Request& req) {
    const auto body = JsonBody::parse(req.body);
    if (!body) return bad_json();
    return handler(req, *body);
  };
}

AsyncHandler json_endpoint_async(AsyncJsonHandler handler) {
  return [handler = std::move(handler)](Request req, Responder respond) {
    const auto body = JsonBody::parse(req.body);
    if (!body) return respond(bad_json());
    handler(req, *body, std::move(respond));
  };
}

}  // namespace madoguchi::api
