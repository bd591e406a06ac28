// The virtual MyNumber card's chip: the JPKI AP (公的個人認証 AP) and nothing else.
//
// It deliberately holds no individual number: the 券面事項入力補助AP and the 券面AP answer
// 6A 82 like any unknown application, so no test can ever read one by accident.
#pragma once

#include "persona.hpp"

#include <cstdint>
#include <functional>
#include <span>

namespace madoguchi::vcard {

// The ATR of a MyNumber card (OpenSC's jpki driver matches it).
inline constexpr std::uint8_t kJpkiAtr[] = {0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14};
// A contact card that is not a MyNumber card (a generic ISO 7816 card).
inline constexpr std::uint8_t kForeignAtr[] = {0x3B, 0x02, 0x14, 0x50};

class JpkiApplet {
 public:
  // `on_persona_changed` is called after every change of PIN tries (to persist them).
  // `foreign`: behave as a card without the JPKI AP (not a MyNumber card).
  explicit JpkiApplet(Persona persona, std::function<void(const Persona&)> on_persona_changed = {},
                      bool foreign = false);

  std::span<const std::uint8_t> atr() const;
  // Power off/on or reset: nothing selected, PIN verification forgotten.
  void reset();
  // One command APDU (short or extended) -> response data + SW1 SW2.
  Bytes process(std::span<const std::uint8_t> apdu);

  const Persona& persona() const { return persona_; }

 private:
  enum class Ef : std::uint16_t {
    None = 0,
    SignCert = 0x0001,
    SignCaCert = 0x0002,
    TokenInfo = 0x0006,
    AuthCert = 0x000A,
    AuthCaCert = 0x000B,
    AuthKey = 0x0017,
    AuthPin = 0x0018,
    SignKey = 0x001A,
    SignPin = 0x001B,
  };

  Bytes select(std::uint8_t p1, std::span<const std::uint8_t> data);
  Bytes read_binary(std::size_t offset, std::size_t le);
  Bytes verify(std::span<const std::uint8_t> data, bool has_data);
  Bytes sign(std::span<const std::uint8_t> data);
  void persist();

  Persona persona_;
  std::function<void(const Persona&)> on_changed_;
  bool foreign_;
  Bytes auth_cert_;
  Bytes ca_cert_;
  PkeyPtr key_;
  bool ap_selected_ = false;
  Ef ef_ = Ef::None;
  bool auth_verified_ = false;
  bool sign_verified_ = false;
};

// Parsed command APDU (ISO 7816-4 cases 1-4, short and extended).
struct Command {
  std::uint8_t cla = 0, ins = 0, p1 = 0, p2 = 0;
  std::span<const std::uint8_t> data;
  bool has_le = false;
  std::size_t le = 0;  // already expanded: short 00 -> 256, extended 0000 -> 65536
  bool extended = false;
};
// False when the bytes are not a well-formed APDU.
bool parse_command(std::span<const std::uint8_t> apdu, Command& out);

}  // namespace madoguchi::vcard
