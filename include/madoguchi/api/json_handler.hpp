// A small base for endpoints that take a JSON object (as userver's HttpHandlerJsonBase): the body
// is parsed once, before the endpoint's own code runs; a body that is not a JSON object is answered
// 400 api.bad_json here, so no endpoint parses or words that itself. The server has already bounded
// the body's size.
#pragma once

#include <madoguchi/api/http.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace madoguchi::api {

// A request body that is a JSON object, with typed field access. A field of another type than
// asked reads as absent: endpoints validate values, not JSON types.
class JsonBody {
 public:
  // nullopt: not JSON, or JSON but not an object.
  static std::optional<JsonBody> parse(std::string_view text);
  explicit JsonBody(nlohmann::json object) : json_(std::move(object)) {}

  bool has(std::string_view key) const { return json_.contains(key); }
  std::string string(std::string_view key) const;  // "" when absent or not a string
  std::optional<bool> boolean(std::string_view key) const;
  const nlohmann::json* array(std::string_view key) const;  // nullptr when absent or not an array
  const nlohmann::json& json() const { return json_; }

 private:
  nlohmann::json json_;
};

// The text of a string member of any JSON object ("" when absent or not a string): for the items
// of an array, which are not bodies of their own.
std::string string_field(const nlohmann::json& object, std::string_view key);

// 400 api.bad_json, the one answer for a body that is not what an endpoint takes.
Response bad_json(std::string_view title = "The body must be a JSON object");

// A problem+json answer with members beyond RFC 9457's (message_ja, check_id, …).
Response problem(int status, std::string_view code, std::string_view title, std::string_view detail,
                 const nlohmann::json& members);

// An endpoint that takes a JSON object: blocking, or asynchronous (must not block).
using JsonHandler = std::function<Response(const Request&, const JsonBody&)>;
using AsyncJsonHandler = std::function<void(const Request&, const JsonBody&, Responder)>;

// Adapters to the Router's handler types: parse the body, answer bad_json, or call the endpoint.
Handler json_endpoint(JsonHandler handler);
AsyncHandler json_endpoint_async(AsyncJsonHandler handler);

}  // namespace madoguchi::api
