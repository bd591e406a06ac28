#include <madoguchi/api/multipart.hpp>

#include <cctype>

namespace madoguchi::api {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Header parameters: `; name=value` or `; name="quoted \" value"`. Names in lower case.
// False when malformed (an unterminated quote).
bool parse_params(std::string_view s, std::vector<std::pair<std::string, std::string>>& out) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ';' || s[i] == ' ' || s[i] == '\t') {
      ++i;
      continue;
    }
    const std::size_t eq = s.find('=', i);
    if (eq == std::string_view::npos) {  // a bare token such as `form-data`
      const std::size_t semi = s.find(';', i);
      out.emplace_back(lower(trim(s.substr(i, semi - i))), std::string{});
      if (semi == std::string_view::npos) break;
      i = semi;
      continue;
    }
    const std::size_t semi = s.find(';', i);
    if (semi != std::string_view::npos && semi < eq) {
      out.emplace_back(lower(trim(s.substr(i, semi - i))), std::string{});
      i = semi;
      continue;
    }
    std::string name = lower(trim(s.substr(i, eq - i)));
    i = eq + 1;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == '\\' && i + 1 < s.size()) {
          value += s[i + 1];
          i += 2;
        } else if (s[i] == '"') {
          closed = true;
          ++i;
          break;
        } else {
          value += s[i++];
        }
      }
      if (!closed) return false;
    } else {
      const std::size_t end = s.find(';', i);
      value = std::string(trim(s.substr(i, end == std::string_view::npos ? end : end - i)));
      i = end == std::string_view::npos ? s.size() : end;
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  return true;
}

// RFC 2046: 1..70 characters from a small set, not ending in a space.
bool valid_boundary(std::string_view b) {
  if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
  for (unsigned char c : b)
    if (!std::isalnum(c) &&
        std::string_view("'()+_,-./:=? ").find(static_cast<char>(c)) == std::string_view::npos)
      return false;
  return true;
}

Error err(const char* code, const char* message) { return Error{code, message}; }

}  // namespace

bool is_multipart_form(std::string_view content_type) {
  const std::string media = lower(trim(content_type.substr(0, content_type.find(';'))));
  return media == "multipart/form-data";
}

Result<std::vector<FormPart>> parse_multipart(std::string_view content_type, std::string_view body,
                                              const MultipartLimits& limits) {
  if (!is_multipart_form(content_type))
    return err("multipart.no_boundary", "not multipart/form-data");
  std::vector<std::pair<std::string, std::string>> params;
  const auto semi = content_type.find(';');
  if (semi == std::string_view::npos || !parse_params(content_type.substr(semi + 1), params))
    return err("multipart.no_boundary", "Content-Type has no boundary parameter");
  std::string boundary;
  for (const auto& [k, v] : params)
    if (k == "boundary") boundary = v;
  if (!valid_boundary(boundary))
    return err("multipart.no_boundary", "the boundary parameter is missing or malformed");

  const std::string delimiter = "--" + boundary;
  const std::string next = "\r\n" + delimiter;
  // The first delimiter opens the body, or follows a preamble and a CRLF.
  std::size_t pos;
  if (body.substr(0, delimiter.size()) == delimiter) {
    pos = delimiter.size();
  } else {
    const auto found = body.find(next);
    if (found == std::string_view::npos)
      return err("multipart.truncated", "the body has no opening delimiter");
    pos = found + next.size();
  }

  std::vector<FormPart> parts;
  for (;;) {
    // After a delimiter: "--" closes the body; otherwise optional padding and CRLF.
    if (body.substr(pos, 2) == "--") {
      if (parts.empty()) return err("multipart.empty", "the body has no parts");
      return parts;
    }
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != "\r\n") {
      if (pos + 2 > body.size()) return err("multipart.truncated", "the body ends in a delimiter");
      return err("multipart.bad_part", "a delimiter is not followed by CRLF");
    }
    pos += 2;
    if (parts.size() == limits.max_parts)
      return err("multipart.too_many_parts", "the body has too many parts");

    // The part's header block, bounded: a client cannot make us search megabytes for its end.
    const std::string_view window = body.substr(pos, limits.max_header_bytes + 4);
    std::size_t header_end;
    if (window.substr(0, 2) == "\r\n") {
      header_end = 0;  // no headers at all
    } else {
      header_end = window.find("\r\n\r\n");
      if (header_end == std::string_view::npos) {
        if (window.size() > limits.max_header_bytes)
          return err("multipart.header_too_large", "a part's header is too large");
        return err("multipart.truncated", "the body ends inside a part's header");
      }
      header_end += 2;  // keep the last header's CRLF inside the block
    }
    if (header_end > limits.max_header_bytes)
      return err("multipart.header_too_large", "a part's header is too large");

    FormPart part;
    bool disposition = false;
    std::string_view headers = body.substr(pos, header_end);
    while (!headers.empty()) {
      const auto eol = headers.find("\r\n");
      const std::string_view line = headers.substr(0, eol);
      headers.remove_prefix(eol == std::string_view::npos ? headers.size() : eol + 2);
      const auto colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0)
        return err("multipart.bad_part", "a part's header line is malformed");
      const std::string name = lower(trim(line.substr(0, colon)));
      const std::string_view value = trim(line.substr(colon + 1));
      if (name == "content-disposition") {
        std::vector<std::pair<std::string, std::string>> p;
        if (!parse_params(value, p) || p.empty() || p.front().first != "form-data")
          return err("multipart.bad_part", "a part's Content-Disposition is not form-data");
        for (const auto& [k, v] : p) {
          if (k == "name") part.name = v;
          if (k == "filename") part.filename = v;
        }
        disposition = true;
      } else if (name == "content-type") {
        part.content_type = std::string(value);
      }
    }
    if (!disposition || part.name.empty())
      return err("multipart.bad_part", "a part has no form-data name");
    // A browser sends the path on some systems ("C:\\scan\\a.pdf"): keep the last component.
    if (const auto slash = part.filename.find_last_of("/\\"); slash != std::string::npos)
      part.filename = part.filename.substr(slash + 1);

    pos += header_end + 2;
    const auto end = body.find(next, pos);
    if (end == std::string_view::npos)
      return err("multipart.truncated", "the body ends inside a part");
    part.body = body.substr(pos, end - pos);
    parts.push_back(std::move(part));
    pos = end + next.size();
  }
}

}  // namespace madoguchi::api

namespace madoguchi::api {

Handler accept_form_uploads(Handler one) {
  return [one = std::move(one)](const Request& req) -> Response {
    const std::string type = req.header("content-type");
    if (!is_multipart_form(type)) return one(req);
    auto parts = parse_multipart(type, req.body);
    if (!parts)
      return problem(400, parts.error().code, "Malformed multipart/form-data",
                     parts.error().message);
    Request single = req;
    single.body.clear();
    std::vector<const FormPart*> files;
    for (const FormPart& p : *parts) {
      if (p.is_file() || p.name == "file")
        files.push_back(&p);
      else
        single.query[p.name] = std::string(p.body);  // a form field wins over the query
    }
    if (files.empty())
      return problem(400, "api.no_document", "No file", "Send the document as a file part.");
    auto answer = [&](const FormPart& f) {
      single.body.assign(f.body);
      single.headers["content-type"] =
          f.content_type.empty() ? "application/octet-stream" : f.content_type;
      return one(single);
    };
    if (files.size() == 1) return answer(*files.front());
    nlohmann::json results = nlohmann::json::array();
    for (const FormPart* f : files) {
      const Response r = answer(*f);
      nlohmann::json item = nlohmann::json::parse(r.body, nullptr, false);
      if (!item.is_object()) item = nlohmann::json::object();
      item["filename"] = f->filename;
      item["status"] = r.status;
      results.push_back(std::move(item));
    }
    return Response::json(200, {{"results", results}});
  };
}

}  // namespace madoguchi::api
