// The vsmartcard vpcd wire protocol, card side: we connect to the reader driver (pcscd's vpcd,
// listening on 127.0.0.1:35963) and answer what it sends. Each message is a 2-byte big-endian
// length and a payload; a 1-byte payload is a control (00 power off, 01 power on, 02 reset,
// 04 get ATR); anything longer is a command APDU answered with its response APDU.
#pragma once

#include "applet.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>

namespace madoguchi::vcard {

struct Faults {
  bool mute = false;                  // answers the ATR (looks present) but never an APDU
  std::chrono::milliseconds slow{0};  // delay before every APDU answer
  int pull_after_apdus = -1;          // once: drop the connection instead of answering
                                      // APDU number N+1 (card pulled mid-transfer)
  std::chrono::milliseconds reinsert_after{-1};  // after a pull, come back after this long
};

struct ClientOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 35963;
  Faults faults;
  std::filesystem::path apdu_log;  // "C <hex>" / "R <hex>" lines; PIN bytes never written
};

// Flags set from signal handlers: SIGUSR1 pulls the card out, SIGUSR2 inserts it again,
// SIGTERM/SIGINT stop the program.
struct Controls {
  volatile std::sig_atomic_t stop = 0;
  volatile std::sig_atomic_t pull = 0;
  volatile std::sig_atomic_t insert = 0;
};

// Runs until controls.stop; reconnects when the reader goes away (pcscd restarted).
// Returns the process exit code.
int run_vpcd_client(JpkiApplet& applet, const ClientOptions& options, Controls& controls);

}  // namespace madoguchi::vcard
