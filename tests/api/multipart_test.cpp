// multipart/form-data as browsers send it, and what hostile clients send instead.
#include <madoguchi/api/multipart.hpp>

#include <gtest/gtest.h>

namespace {

using madoguchi::api::FormPart;
using madoguchi::api::is_multipart_form;
using madoguchi::api::MultipartLimits;
using madoguchi::api::parse_multipart;

const std::string kType = "multipart/form-data; boundary=----WebKitFormBoundaryx7Yq";
const std::string kDelim = "------WebKitFormBoundaryx7Yq";

std::string field(const std::string& name, const std::string& value) {
  return kDelim + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value +
         "\r\n";
}
std::string file(const std::string& name, const std::string& filename, const std::string& bytes) {
  return kDelim + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" +
         filename + "\"\r\nContent-Type: application/pdf\r\n\r\n" + bytes + "\r\n";
}
std::string close() { return kDelim + "--\r\n"; }

std::string error_of(const std::string& type, const std::string& body,
                     const MultipartLimits& limits = {}) {
  auto r = parse_multipart(type, body, limits);
  return r ? std::string("ok") : r.error().code;
}

TEST(Multipart, ParsesFieldsAndFilesAsABrowserSendsThem) {
  // Bytes that look like a delimiter's start, CRLFs and NULs inside a file stay in the file.
  const std::string pdf = std::string("%PDF-1.7\r\n--not-the-boundary\r\n\0\x01\xff", 32) + "end";
  const std::string body = field("context", "card_unreadable") + file("file", "a.pdf", pdf) +
                           file("file", "b.png", "PNG") + close();
  auto parts = parse_multipart(kType, body);
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].name, "context");
  EXPECT_FALSE((*parts)[0].is_file());
  EXPECT_EQ((*parts)[0].body, "card_unreadable");
  EXPECT_EQ((*parts)[1].filename, "a.pdf");
  EXPECT_EQ((*parts)[1].content_type, "application/pdf");
  EXPECT_EQ((*parts)[1].body, pdf);
  EXPECT_EQ((*parts)[2].body, "PNG");
}

TEST(Multipart, AcceptsAPreambleQuotedBoundaryAndWindowsPaths) {
  const std::string body = "ignored preamble\r\n" + field("x", "1") + kDelim +
                           "\r\ncontent-disposition: form-data; filename=\"C:\\\\scan\\\\c.jpg\"; "
                           "name=\"file\"\r\n\r\nJPEG\r\n" +
                           close();
  auto parts = parse_multipart(
      "Multipart/Form-Data; charset=utf-8; boundary=\"----WebKitFormBoundaryx7Yq\"", body);
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[1].filename, "c.jpg");
  EXPECT_EQ((*parts)[1].body, "JPEG");
}

TEST(Multipart, RecognisesTheMediaType) {
  EXPECT_TRUE(is_multipart_form(kType));
  EXPECT_TRUE(is_multipart_form(" MULTIPART/form-data ;boundary=x"));
  EXPECT_FALSE(is_multipart_form("application/pdf"));
  EXPECT_FALSE(is_multipart_form("multipart/mixed; boundary=x"));
  EXPECT_FALSE(is_multipart_form(""));
}

TEST(Multipart, MissingOrMalformedBoundary) {
  const std::string body = field("context", "counter") + close();
  EXPECT_EQ(error_of("multipart/form-data", body), "multipart.no_boundary");
  EXPECT_EQ(error_of("multipart/form-data; charset=utf-8", body), "multipart.no_boundary");
  EXPECT_EQ(error_of("multipart/form-data; boundary=", body), "multipart.no_boundary");
  EXPECT_EQ(error_of("multipart/form-data; boundary=\"unterminated", body),
            "multipart.no_boundary");
  EXPECT_EQ(error_of("multipart/form-data; boundary=" + std::string(71, 'a'), body),
            "multipart.no_boundary");
  EXPECT_EQ(error_of("multipart/form-data; boundary=a\x01b", body), "multipart.no_boundary");
  EXPECT_EQ(error_of("application/pdf", body), "multipart.no_boundary");
  // A boundary that is valid but not the one in the body.
  EXPECT_EQ(error_of("multipart/form-data; boundary=other", body), "multipart.truncated");
}

TEST(Multipart, TruncatedBodiesAreErrorsAtEveryCut) {
  const std::string body =
      field("context", "counter") + file("file", "a.pdf", "%PDF-1.7 body") + close();
  ASSERT_EQ(error_of(kType, body), "ok");
  // Every prefix that cuts before the closing delimiter's "--" is refused, never a short part.
  const std::size_t closing = body.rfind("--\r\n");
  for (std::size_t n = 0; n < closing + 2; ++n) {
    const std::string code = error_of(kType, body.substr(0, n));
    EXPECT_TRUE(code == "multipart.truncated" || code == "multipart.bad_part")
        << "cut at " << n << ": " << code;
  }
  EXPECT_EQ(error_of(kType, ""), "multipart.truncated");
  EXPECT_EQ(error_of(kType, field("a", "b")), "multipart.truncated");  // no closing delimiter
}

TEST(Multipart, HugeHeadersAreRefusedWithoutScanningTheBody) {
  const std::string huge = kDelim + "\r\nContent-Disposition: form-data; name=\"file\"\r\nX-Pad: " +
                           std::string(100000, 'a') + "\r\n\r\nbody\r\n" + close();
  EXPECT_EQ(error_of(kType, huge), "multipart.header_too_large");
  // A header block that never ends, longer than the limit.
  EXPECT_EQ(error_of(kType, kDelim + "\r\nContent-Disposition: form-data; name=\"f\"" +
                                std::string(10000, ' ')),
            "multipart.header_too_large");
  // Just under the limit passes.
  MultipartLimits limits;
  limits.max_header_bytes = 200;
  const std::string small =
      kDelim + "\r\nContent-Disposition: form-data; name=\"f\"\r\nX-Pad: " + std::string(100, 'a') +
      "\r\n\r\nbody\r\n" + close();
  EXPECT_EQ(error_of(kType, small, limits), "ok");
  limits.max_header_bytes = 100;
  EXPECT_EQ(error_of(kType, small, limits), "multipart.header_too_large");
}

TEST(Multipart, TooManyPartsAndEmptyBodies) {
  std::string body;
  for (int i = 0; i < 17; ++i) body += field("f" + std::to_string(i), "v");
  EXPECT_EQ(error_of(kType, body + close()), "multipart.too_many_parts");
  EXPECT_EQ(error_of(kType, close()), "multipart.empty");
}

TEST(Multipart, PartsWithoutAFormDataNameAreRefused) {
  EXPECT_EQ(error_of(kType, kDelim + "\r\nContent-Type: text/plain\r\n\r\nx\r\n" + close()),
            "multipart.bad_part");
  EXPECT_EQ(
      error_of(kType,
               kDelim + "\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n" + close()),
      "multipart.bad_part");
  EXPECT_EQ(error_of(kType, kDelim + "\r\nContent-Disposition: form-data\r\n\r\nx\r\n" + close()),
            "multipart.bad_part");
  EXPECT_EQ(error_of(kType, kDelim + "\r\nno colon here\r\n\r\nx\r\n" + close()),
            "multipart.bad_part");
  EXPECT_EQ(error_of(kType, kDelim + "\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n" +
                                close()),
            "multipart.bad_part");
  EXPECT_EQ(error_of(kType, kDelim + "junk\r\n" + close()), "multipart.bad_part");
}

// Random bytes around valid structure: errors or parts, never a crash or an out-of-range view.
TEST(Multipart, MutatedBodiesNeverCrash) {
  const std::string body =
      field("context", "counter") + file("file", "a.pdf", "%PDF-1.7 body") + close();
  std::uint32_t seed = 12345;
  auto next = [&seed] { return seed = seed * 1664525u + 1013904223u; };
  for (int round = 0; round < 5000; ++round) {
    std::string m = body;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = next() % m.size();
      switch (next() % 3) {
        case 0:
          m[at] = static_cast<char>(next());
          break;
        case 1:
          m.erase(at, 1 + next() % 8);
          break;
        default:
          m.insert(at, std::string(1 + next() % 8, static_cast<char>(next())));
      }
      if (m.empty()) m = "x";
    }
    auto r = parse_multipart(kType, m);
    if (!r) continue;
    for (const FormPart& p : *r) {
      ASSERT_GE(p.body.data(), m.data());
      ASSERT_LE(p.body.data() + p.body.size(), m.data() + m.size());
    }
  }
}

}  // namespace
