// The spool file format on its own: frames, torn tails, corruption, the record codec.
#include "codec.hpp"
#include "spool.hpp"
#include "util.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cerrno>
#include <fstream>

using namespace madoguchi::audit;
using madoguchi::audit::detail::Spool;

namespace {

std::vector<std::string> payloads(int n, const std::string& tag) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(detail::to_json(audit_test::make_record(tag)));
  return out;
}

std::vector<std::string> read_all(const Spool& s) {
  std::vector<std::string> out;
  std::uint64_t off = 0;
  for (;;) {
    auto chunk = s.read(off, 1000);
    EXPECT_TRUE(chunk);
    if (chunk->end == off) break;
    out.insert(out.end(), chunk->payloads.begin(), chunk->payloads.end());
    off = chunk->end;
  }
  return out;
}

std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

}  // namespace

TEST(AuditSpool, Crc32MatchesTheStandardCheckValue) {
  EXPECT_EQ(detail::crc32("123456789", 9), 0xCBF43926u);
}

TEST(AuditSpool, AppendedRecordsSurviveReopen) {
  madoguchi_test::TempDir dir("spool");
  auto first = payloads(3, "a"), second = payloads(4, "b");
  {
    auto s = Spool::open(dir.path());
    ASSERT_TRUE(s);
    ASSERT_TRUE((*s)->append(first));
    ASSERT_TRUE((*s)->append(second));
    EXPECT_EQ((*s)->depth(), 7u);
  }
  auto s = Spool::open(dir.path());
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->recovery().records, 7u);
  EXPECT_EQ((*s)->recovery().corrupt_regions, 0u);
  auto all = first;
  all.insert(all.end(), second.begin(), second.end());
  EXPECT_EQ(read_all(**s), all);
  // Replayed to the end: emptied; an append after it must not race the truncation.
  EXPECT_FALSE((*s)->truncate_if_end(10));
  EXPECT_TRUE((*s)->truncate_if_end((*s)->size()));
  EXPECT_EQ((*s)->size(), 0u);
  EXPECT_EQ((*s)->depth(), 0u);
}

TEST(AuditSpool, TornTailIsDroppedReportedAndTheRestKept) {
  madoguchi_test::TempDir dir("spool");
  auto recs = payloads(5, "t");
  {
    auto s = Spool::open(dir.path());
    ASSERT_TRUE(s);
    ASSERT_TRUE((*s)->append(recs));
  }
  // A crash in the middle of the last append: half of a sixth frame.
  const auto path = dir.path() / Spool::kFileName;
  const std::string sixth = detail::encode_frame(detail::to_json(audit_test::make_record("x")));
  write_bytes(path, file_bytes(path) + sixth.substr(0, sixth.size() / 2));

  auto s = Spool::open(dir.path());
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->recovery().records, 5u);
  EXPECT_EQ((*s)->recovery().corrupt_regions, 1u);
  EXPECT_EQ((*s)->recovery().corrupt_bytes, sixth.size() / 2);
  EXPECT_EQ(file_bytes(dir.path() / Spool::kCorruptFileName), sixth.substr(0, sixth.size() / 2));
  EXPECT_EQ(read_all(**s), recs);
  // Appends after recovery follow the intact frames, not the garbage.
  auto more = payloads(2, "m");
  ASSERT_TRUE((*s)->append(more));
  auto all = recs;
  all.insert(all.end(), more.begin(), more.end());
  EXPECT_EQ(read_all(**s), all);
}

TEST(AuditSpool, CorruptRecordInTheMiddleDoesNotHideTheOnesAfterIt) {
  madoguchi_test::TempDir dir("spool");
  auto recs = payloads(6, "c");
  {
    auto s = Spool::open(dir.path());
    ASSERT_TRUE(s);
    ASSERT_TRUE((*s)->append(recs));
  }
  const auto path = dir.path() / Spool::kFileName;
  std::string bytes = file_bytes(path);
  // Flip one byte inside the third record's payload.
  std::size_t third = 0;
  for (int i = 0; i < 2; ++i) third += detail::kFrameHeader + recs[i].size();
  bytes[third + detail::kFrameHeader + 10] ^= 0x20;
  write_bytes(path, bytes);

  auto s = Spool::open(dir.path());
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->recovery().records, 5u);
  EXPECT_EQ((*s)->recovery().corrupt_regions, 1u);
  auto expected = recs;
  expected.erase(expected.begin() + 2);
  EXPECT_EQ(read_all(**s), expected);
}

TEST(AuditSpool, GarbageLengthFieldIsSkippedByResynchronising) {
  madoguchi_test::TempDir dir("spool");
  auto recs = payloads(3, "g");
  std::string bytes;
  for (auto& p : recs) bytes += detail::encode_frame(p);
  // Overwrite the first frame's length with a huge value: the reader must not trust it.
  bytes[4] = bytes[5] = bytes[6] = '\xff';
  write_bytes(dir.path() / Spool::kFileName, bytes);
  auto s = Spool::open(dir.path());
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->recovery().records, 2u);
  EXPECT_EQ(read_all(**s), std::vector<std::string>(recs.begin() + 1, recs.end()));
}

TEST(AuditRecordCodec, RoundTripsEveryField) {
  auto r = audit_test::make_record("窓口-2", madoguchi::Outcome::AcceptedUnconfirmed);
  r.method = Method::Document;
  r.document_type = "qualification_pdf";
  r.presentation_context = "escort";
  r.batch_id = "batch-7";
  r.qualification_validity.reset();
  r.processing_status = 2;
  r.gateway_error_code = "gateway.unavailable";
  r.reasons = {"gateway_unavailable", "unconfirmed_pending_recheck"};
  r.document_sha256 = std::string(64, 'a');
  auto back = detail::from_json(detail::to_json(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  EXPECT_FALSE(detail::from_json("{\"v\":1}"));
  EXPECT_FALSE(detail::from_json("not json"));
}

TEST(AuditRecordValidation, RefusesWhatPostgresWouldRefuse) {
  auto ok = audit_test::make_record();
  EXPECT_TRUE(validate(ok));
  auto bad = ok;
  bad.check_id = "not-a-uuid";
  EXPECT_EQ(validate(bad).error().code, "audit.invalid_record");
  bad = ok;
  bad.check_id[0] = 'A';  // upper case would not read back equal
  EXPECT_FALSE(validate(bad));
  bad = ok;
  bad.birth_date = "1980-02-30";
  EXPECT_FALSE(validate(bad));
  bad = ok;
  bad.insured_number = std::string("12\xff", 3);
  EXPECT_FALSE(validate(bad));
  bad = ok;
  bad.document_sha256 = "abc";
  EXPECT_FALSE(validate(bad));
  bad = ok;
  bad.terminal_id.clear();
  EXPECT_FALSE(validate(bad));
  // The message names the field, never the value (personal data).
  bad = ok;
  bad.insured_number = std::string("4567\xff", 5);
  EXPECT_EQ(validate(bad).error().message.find("4567"), std::string::npos);
}

TEST(AuditRecord, MaskedIdentityHidesTheIdentifiers) {
  auto r = audit_test::make_record();
  const auto m = masked_identity(r);
  EXPECT_EQ(m.find("4567"), std::string::npos);
  EXPECT_EQ(m.find("04-01"), std::string::npos);
  EXPECT_EQ(m.rfind("3312", 0), 0u);
}

// A failed fdatasync (issue 13): the frames of the failed append are cut off again, so the
// frames appended after it are read whole and the failed ones never come back as records.
namespace {
int failing_sync(int) {
  errno = EIO;
  return -1;
}
int fail_once_sync(int fd) {
  static bool failed = false;
  if (!failed) {
    failed = true;
    errno = EIO;
    return -1;
  }
  return ::fdatasync(fd);
}
struct RestoreSync {
  ~RestoreSync() { detail::spool_fdatasync = ::fdatasync; }
};
}  // namespace

TEST(AuditSpool, AFailedFdatasyncLeavesNoFrameForLaterReadersToMisread) {
  madoguchi_test::TempDir dir("spool");
  RestoreSync restore;
  auto before = payloads(2, "before"), lost = payloads(3, "lost"), after = payloads(2, "after");
  {
    auto s = Spool::open(dir.path());
    ASSERT_TRUE(s);
    ASSERT_TRUE((*s)->append(before));
    const auto size = (*s)->size();
    detail::spool_fdatasync = fail_once_sync;  // fails, then the undo's sync works
    auto failed = (*s)->append(lost);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, "audit.spool");
    EXPECT_FALSE((*s)->broken());
    EXPECT_EQ((*s)->size(), size);
    EXPECT_EQ(std::filesystem::file_size((*s)->path()), size);  // the failed frames are gone
    detail::spool_fdatasync = ::fdatasync;
    ASSERT_TRUE((*s)->append(after));
    EXPECT_EQ((*s)->depth(), 4u);
    auto expected = before;
    expected.insert(expected.end(), after.begin(), after.end());
    EXPECT_EQ(read_all(**s), expected);
  }
  auto s = Spool::open(dir.path());
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->recovery().records, 4u);
  EXPECT_EQ((*s)->recovery().corrupt_regions, 0u);
}

TEST(AuditSpool, AnAppendThatCannotBeUndoneStopsTheSpool) {
  madoguchi_test::TempDir dir("spool");
  RestoreSync restore;
  auto before = payloads(2, "before");
  auto s = Spool::open(dir.path());
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->append(before));
  detail::spool_fdatasync = failing_sync;  // the disk keeps failing
  EXPECT_FALSE((*s)->append(payloads(1, "lost")));
  EXPECT_TRUE((*s)->broken());
  detail::spool_fdatasync = ::fdatasync;
  // Nothing more is appended to a file whose state is unknown, even once the disk recovers.
  auto refused = (*s)->append(payloads(1, "later"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "audit.spool");
  EXPECT_NE(refused.error().message.find("unusable"), std::string::npos);
  EXPECT_EQ(read_all(**s), before);
}
