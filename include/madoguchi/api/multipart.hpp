// multipart/form-data (RFC 7578) as browsers send uploads: form fields and files in one body.
// A strict, bounded parser: the parts are views into the body, never copies.
#pragma once

#include <madoguchi/api/http.hpp>
#include <madoguchi/domain/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace madoguchi::api {

struct FormPart {
  std::string name;          // the form field's name (Content-Disposition name=)
  std::string filename;      // empty for a plain field
  std::string content_type;  // empty when the part does not say
  std::string_view body;     // a view into the parsed body: valid while it lives
  bool is_file() const { return !filename.empty(); }
};

struct MultipartLimits {
  std::size_t max_parts = 16;
  std::size_t max_header_bytes = 4096;  // one part's header block
};

// True when a Content-Type header names multipart/form-data.
bool is_multipart_form(std::string_view content_type);

// Parses `body` sent with `content_type`. Error codes: multipart.no_boundary (missing or
// malformed boundary parameter), multipart.truncated (the body ends before the closing
// delimiter), multipart.header_too_large, multipart.too_many_parts, multipart.bad_part (a
// part without form-data Content-Disposition and name, or a malformed header), multipart.empty.
Result<std::vector<FormPart>> parse_multipart(std::string_view content_type, std::string_view body,
                                              const MultipartLimits& limits = {});

// Lets a handler whose body is one uploaded file (POST /v1/checks/by-document) also take
// multipart/form-data: the form fields (context, visit_date, …) become query parameters, each
// file part is handed to `one` as the whole body, so the audited SHA-256 is the document's, not
// the envelope's. One file: `one`'s answer unchanged. Several: 200 {"results": [{"filename",
// "status", <that file's answer>}, …]} in upload order, one check (one audit record) each.
// A body that is not multipart goes to `one` as it is. A malformed form: 400 problem with the
// parser's code; no file part: 400 "api.no_document".
Handler accept_form_uploads(Handler one);

}  // namespace madoguchi::api
