// libFuzzer target for what a card (or something posing as one) answers: the input is a
// sequence of APDU responses (2-byte big-endian length, then the bytes) replayed to the JPKI
// session reading the identity, the tries left and a PIN proof; the same bytes are also read as
// the JPKI certificate (DER) directly.
#include <madoguchi/card/card.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace {

class ReplayTransport final : public madoguchi::card::ApduTransport {
 public:
  ReplayTransport(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  madoguchi::Result<madoguchi::card::Bytes> transmit(std::span<const std::uint8_t>) override {
    if (pos_ + 2 > size_) return madoguchi::make_error("card.removed", "no more answers");
    std::size_t n = (std::size_t{data_[pos_]} << 8) | data_[pos_ + 1];
    pos_ += 2;
    if (n > size_ - pos_) n = size_ - pos_;
    madoguchi::card::Bytes out(data_ + pos_, data_ + pos_ + n);
    pos_ += n;
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace card = madoguchi::card;
  {
    ReplayTransport t(data, size);
    card::JpkiSession session(t);
    (void)session.read_identity();
    (void)session.tries_left();
    const std::uint8_t challenge[32] = {1, 2, 3};
    (void)session.prove_possession(card::Pin("1234"), challenge);
  }
  card::Bytes der(data, data + size);
  (void)card::describe_certificate(der, {});
  (void)card::evaluate_certificate(der, madoguchi::Date::from_ymd(2026, 1, 20).value());
  return 0;
}
